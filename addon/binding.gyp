{
  "targets": [
    {
      "target_name": "prec_addon",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2", "<!@(pkg-config --cflags libbpf)"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs libbpf)"],
      # The .deb ships libbpf.so.1 in /usr/lib/prec/lib (Ubuntu 22.04 has no libbpf1, and Debian's
      # libbpf.a is not PIC); in a source tree that directory does not exist and the system's is used.
      "ldflags": ["-Wl,-rpath,'$$ORIGIN/../../../lib'"]
    }
  ]
}
