// vol's own system calls that Node's fs module lacks: open file description locks on byte ranges
// (the volume locks), unlinkat(2) and renameat2(2) relative to directory descriptors, the mount id
// of a descriptor from statx(2), and the deletion of a removed volume's emptied directories on
// libuv's thread pool. Each function throws an Error with the errno's code (as Node's fs
// does) on a failure the caller did not ask to be told as a value.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>
#include <string>
#include <vector>

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

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

// renameAt(oldDirFd, oldName, newDirFd, newName): renameat2(2) with RENAME_NOREPLACE, so an entry
// already at the new name is never replaced (plain renameat(2) where the file system lacks the flag).
static napi_value rename_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return NULL;
  int32_t from, to;
  char oldName[4096], newName[4096];
  if (napi_get_value_int32(env, argv[0], &from) != napi_ok || napi_get_value_int32(env, argv[2], &to) != napi_ok) {
    napi_throw_type_error(env, NULL, "renameAt(oldDirFd, oldName, newDirFd, newName)");
    return NULL;
  }
  if (!get_name(env, argv[1], oldName, sizeof oldName) || !get_name(env, argv[3], newName, sizeof newName)) return NULL;
  long r = syscall(SYS_renameat2, from, oldName, to, newName, RENAME_NOREPLACE);
  if (r != 0 && (errno == EINVAL || errno == ENOSYS)) r = renameat(from, oldName, to, newName);
  if (r != 0) return throw_errno(env, errno, "rename");
  return NULL;
}

// Opens directory `name` below `dirFd` without following it, and checks it is on mount `mnt`.
// Returns the descriptor, or -errno (EXDEV: another mount; ENOSYS: statx has no mount ids here).
static int open_dir_on(int dirFd, const char *name, double mnt) {
  int fd = openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct statx sx;
  int e = 0;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) e = errno;
  else if (!(sx.stx_mask & STATX_MNT_ID)) e = ENOSYS;
  else if ((double)sx.stx_mnt_id != mnt) e = EXDEV;
  if (e != 0) {
    close(fd);
    return -e;
  }
  return fd;
}

static napi_value errno_value(napi_env env, int e) {
  napi_value out;
  if (e == 0) napi_get_null(env, &out);
  else napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &out);
  return out;
}

// emptyDirAt(dirFd, name, mnt): null when `name` below `dirFd` is a directory (not a symlink) on
// mount `mnt` with nothing in it; otherwise the errno's code that says why not (ENOTEMPTY when it
// has entries, EXDEV when it is another mount, ENOTDIR for a symlink or a file, ENOENT when it is gone).
static napi_value empty_dir_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  int32_t dirFd;
  double mnt;
  char name[4096];
  if (napi_get_value_int32(env, argv[0], &dirFd) != napi_ok || napi_get_value_double(env, argv[2], &mnt) != napi_ok) {
    napi_throw_type_error(env, NULL, "emptyDirAt(dirFd, name, mnt)");
    return NULL;
  }
  if (!get_name(env, argv[1], name, sizeof name)) return NULL;
  int fd = open_dir_on(dirFd, name, mnt);
  if (fd < 0) return errno_value(env, -fd);
  char buf[1024];
  int e = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n < 0) e = errno;
    if (n <= 0) break;
    for (long off = 0; off < n && e == 0;) {
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
      unsigned short reclen;
      memcpy(&reclen, buf + off + 16, sizeof reclen);
      const char *entry = buf + off + 19;
      if (strcmp(entry, ".") != 0 && strcmp(entry, "..") != 0) e = ENOTEMPTY;
      off += reclen;
    }
    if (e != 0) break;
  }
  close(fd);
  return errno_value(env, e);
}

// The thread-pool half of removeEmptyVolumes: one volume directory to delete, and how it went.
struct EmptyVolume {
  int dirFd;
  std::string name;
  int err;
};

struct EmptyVolumesWork {
  napi_async_work work;
  napi_deferred deferred;
  double mnt;
  std::vector<EmptyVolume> volumes;
};

// Runs off the JS thread: `<name>/_data` and then `<name>` go with rmdir(2), which never follows a
// link and fails on a mount point or a directory with anything in it.
static void empty_volumes_execute(napi_env, void *data) {
  EmptyVolumesWork *w = static_cast<EmptyVolumesWork *>(data);
  for (EmptyVolume &v : w->volumes) {
    v.err = 0;
    int fd = open_dir_on(v.dirFd, v.name.c_str(), w->mnt);
    if (fd < 0) {
      if (fd != -ENOENT) v.err = -fd;
      continue;
    }
    if (unlinkat(fd, "_data", AT_REMOVEDIR) != 0 && errno != ENOENT) v.err = errno;
    close(fd);
    if (v.err == 0 && unlinkat(v.dirFd, v.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) v.err = errno;
  }
}

static void empty_volumes_complete(napi_env env, napi_status, void *data) {
  EmptyVolumesWork *w = static_cast<EmptyVolumesWork *>(data);
  napi_value out;
  napi_create_array_with_length(env, w->volumes.size(), &out);
  for (size_t i = 0; i < w->volumes.size(); i++) napi_set_element(env, out, i, errno_value(env, w->volumes[i].err));
  napi_resolve_deferred(env, w->deferred, out);
  napi_delete_async_work(env, w->work);
  delete w;
}

// removeEmptyVolumes(dirFds, names, mnt): a promise, settled on libuv's thread pool, of one value
// per volume: null once directory names[i] below dirFds[i] (on mount `mnt`) and its empty `_data`
// are deleted (or were gone), else the errno's code of the step that failed. The descriptors must
// stay open until the promise settles.
static napi_value remove_empty_volumes(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  EmptyVolumesWork *w = new EmptyVolumesWork();
  uint32_t n = 0, names = 0;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok || napi_get_array_length(env, argv[1], &names) != napi_ok || n != names ||
      napi_get_value_double(env, argv[2], &w->mnt) != napi_ok) {
    delete w;
    napi_throw_type_error(env, NULL, "removeEmptyVolumes(dirFds, names, mnt)");
    return NULL;
  }
  char name[4096];
  for (uint32_t i = 0; i < n; i++) {
    napi_value fdValue, nameValue;
    int32_t fd;
    if (napi_get_element(env, argv[0], i, &fdValue) != napi_ok || napi_get_value_int32(env, fdValue, &fd) != napi_ok ||
        napi_get_element(env, argv[1], i, &nameValue) != napi_ok) {
      delete w;
      napi_throw_type_error(env, NULL, "removeEmptyVolumes(dirFds, names, mnt) takes descriptors and names");
      return NULL;
    }
    if (!get_name(env, nameValue, name, sizeof name)) {
      delete w;
      return NULL;
    }
    w->volumes.push_back(EmptyVolume{fd, std::string(name), 0});
  }
  napi_value promise, resource;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "volRemoveEmptyVolumes", NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, empty_volumes_execute, empty_volumes_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "rangeLock", NULL, range_lock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unlinkAt", NULL, unlink_at, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mountId", NULL, mount_id, NULL, NULL, NULL, napi_enumerable, NULL },
    { "renameAt", NULL, rename_at, NULL, NULL, NULL, napi_enumerable, NULL },
    { "emptyDirAt", NULL, empty_dir_at, NULL, NULL, NULL, napi_enumerable, NULL },
    { "removeEmptyVolumes", NULL, remove_empty_volumes, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
