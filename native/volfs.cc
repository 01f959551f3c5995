// vol's own system calls that Node's fs module lacks: open file description locks on byte ranges
// (the volume locks), unlinkat(2) relative to a directory descriptor, and the mount id of a
// descriptor from statx(2). Each function throws an Error with the errno's code (as Node's fs
// does) on a failure the caller did not ask to be told as a value.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#ifndef F_OFD_SETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#endif

static const char *errno_name(int e) {
  switch (e) {
    case EACCES: return "EACCES"; case EAGAIN: return "EAGAIN"; case EBADF: return "EBADF";
    case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST"; case EINTR: return "EINTR";
    case EINVAL: return "EINVAL"; case EIO: return "EIO"; case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP"; case ENAMETOOLONG: return "ENAMETOOLONG"; case ENOENT: return "ENOENT";
    case ENOLCK: return "ENOLCK"; case ENOSYS: return "ENOSYS"; case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY"; case EPERM: return "EPERM"; case EROFS: return "EROFS";
    case EXDEV: return "EXDEV"; case ENOMEM: return "ENOMEM"; case ENOSPC: return "ENOSPC";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *syscall) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s, %s", strerror(e), syscall);
  napi_value code, text, err, sys, num;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &err);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, err, "syscall", sys);
  napi_create_int32(env, -e, &num);
  napi_set_named_property(env, err, "errno", num);
  napi_throw(env, err);
  return NULL;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "too few arguments");
    return 0;
  }
  return 1;
}

static napi_value boolean(napi_env env, int v) {
  napi_value out;
  napi_get_boolean(env, v, &out);
  return out;
}

// rangeLock(fd, start, op): op 0 unlocks, 1 takes an exclusive lock without waiting, 2 asks whether
// another open file description holds one. Returns false when 1 finds the range taken, or 2 finds it
// free; true otherwise.
static napi_value range_lock(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  int32_t fd, op;
  int64_t start;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &start) != napi_ok ||
      napi_get_value_int32(env, argv[2], &op) != napi_ok || start < 0 || op < 0 || op > 2) {
    napi_throw_type_error(env, NULL, "rangeLock(fd, start, op) takes integers");
    return NULL;
  }
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = op == 0 ? F_UNLCK : F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = 1;
  if (op == 2) {
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return throw_errno(env, errno, "fcntl");
    return boolean(env, fl.l_type != F_UNLCK);
  }
  for (;;) {
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return boolean(env, 1);
    if (errno == EINTR) continue;
    if (op == 1 && (errno == EAGAIN || errno == EACCES)) return boolean(env, 0);
    return throw_errno(env, errno, "fcntl");
  }
}

static int get_name(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len == 0 || len >= size - 1 || strlen(buf) != len) {
    napi_throw_type_error(env, NULL, "a name must be a non-empty string without NUL");
    return 0;
  }
  return 1;
}

// unlinkAt(dirFd, name, isDir): unlinkat(2), which never follows `name` itself.
static napi_value unlink_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  int32_t fd;
  bool dir = false;
  char name[4096];
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[2], &dir) != napi_ok) {
    napi_throw_type_error(env, NULL, "unlinkAt(dirFd, name, isDir)");
    return NULL;
  }
  if (!get_name(env, argv[1], name, sizeof name)) return NULL;
  if (unlinkat(fd, name, dir ? AT_REMOVEDIR : 0) != 0) return throw_errno(env, errno, dir ? "rmdir" : "unlink");
  return NULL;
}

// mountId(fd): the id of the mount holding what `fd` is open on (statx STATX_MNT_ID, Linux 5.8).
static napi_value mount_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "mountId(fd) takes a descriptor");
    return NULL;
  }
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) return throw_errno(env, errno, "statx");
  if (!(sx.stx_mask & STATX_MNT_ID)) return throw_errno(env, ENOSYS, "statx");
  napi_value out;
  napi_create_double(env, (double)sx.stx_mnt_id, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "rangeLock", NULL, range_lock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unlinkAt", NULL, unlink_at, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mountId", NULL, mount_id, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
