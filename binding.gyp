{
  "targets": [
    {
      "target_name": "volfs",
      "sources": ["native/volfs.cc"],
      "cflags_cc": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
