#!/usr/bin/env bash
# Builds a self-contained bundle of the `dynamo` executable for a machine with no .NET SDK and its own libtorch (a
# CUDA machine's PyTorch): the .NET runtime is inside, the packaged CPU libtorch is not. Run it from anywhere:
#   scripts/gpu/bundle.sh OUT        → OUT/dynamo, OUT/check.sh, OUT/eager_decode.py; OUT.tar.gz beside it
# Then, on the target: DYNAMO_LIBTORCH=/path/to/torch/lib OUT/dynamo generate ...   (or --libtorch DIR)
set -euo pipefail
out=${1:?usage: scripts/gpu/bundle.sh OUT}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mkdir -p "$out" && cd "$out" && pwd)

# Its own artifacts folder: publishing with other settings into the projects' bin/obj would rewrite the outputs a
# concurrent build or test run (the test suite runs this script) is reading.
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
dotnet publish "$root/src/Silo" -c Release -r linux-x64 --self-contained -o "$out" -p:DebugType=none --artifacts-path "$build" -nologo -v quiet

# The packaged CPU libtorch (about 480 MB) stays out: the target loads its own. TorchSharp's shim (libLibTorchSharp.so)
# stays; it links against whichever libtorch is loaded first.
( cd "$out" && rm -f libc10.so libtorch.so libtorch_cpu.so libtorch_global_deps.so libtorch_python.so libshm.so \
    libgomp-*.so* libaoti_custom_ops.so libbackend_with_compiler.so libjitbackend_test.so libnnapi_backend.so \
    libtorchbind_test.so )
cp "$root/scripts/gpu/check.sh" "$root/scripts/gpu/eager_decode.py" "$out/"
chmod +x "$out/dynamo" "$out/check.sh" "$out/eager_decode.py"
tar -C "$(dirname "$out")" -czf "$out.tar.gz" "$(basename "$out")"
echo "bundle: $out ($(du -sh "$out" | cut -f1)), packed $out.tar.gz ($(du -h "$out.tar.gz" | cut -f1))"
