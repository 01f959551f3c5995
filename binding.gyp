{
  "targets": [
    {
      "target_name": "volfs",
      "sources": ["native/volfs.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
