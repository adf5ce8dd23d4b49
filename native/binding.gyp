{
  "targets": [
    {
      "target_name": "medssl_onednn",
      "sources": ["src/onednn_addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-O2", "-std=c++17", "-fopenmp"],
      "libraries": ["-ldnnl", "-Wl,--no-as-needed", "-lgomp", "-l:libOpenCL.so.1", "-Wl,--as-needed", "-Wl,-rpath,'$$ORIGIN'"]
    }
  ]
}
