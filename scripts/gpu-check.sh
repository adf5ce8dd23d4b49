#!/bin/sh
# The portable GPU check (packed as `gpu-check` by scripts/gpu-check-pack.mjs): runs on a Linux x64
# machine that has a GPU driver and nothing else (no Node, no npm, no internet).
#   ./gpu-check [--json] [--quick] [--steps N]
# Dawn loads the Vulkan loader beside dawn.node (dist/webgpu/linux-x64/libvulkan.so.1), which finds the
# driver's ICD in the usual places. Container images of the NVIDIA driver sometimes keep that ICD under
# /usr/local/nvidia only: it is named here when no ICD is in the usual places and none was given.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=''
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    for f in "$d"/*.json; do [ -f "$f" ] && found=1; done
  done
  if [ -z "$found" ]; then
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
      if [ -f "$f" ]; then
        VK_DRIVER_FILES=$f
        export VK_DRIVER_FILES
        break
      fi
    done
  fi
fi
exec "$here/node/bin/node" "$here/gpu-check.mjs" "$@"
