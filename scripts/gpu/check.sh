#!/usr/bin/env bash
# The CUDA check, run from an unpacked bundle (scripts/gpu/bundle.sh) on a machine with PyTorch: one result per line.
# Step 1 stops the check when TorchSharp's shim (built for libtorch 2.10) cannot bind to this machine's libtorch.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
lib=${DYNAMO_LIBTORCH:-$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)}
if [[ -z "$lib" || ! -f "$lib/libtorch.so" ]]; then echo "libtorch: not found (set DYNAMO_LIBTORCH or install PyTorch for $python)"; exit 1; fi
echo "libtorch: $lib ($("$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null || echo 'version unknown'))"

# 1. Does the shim bind, every symbol resolved now rather than at first call?
missing=$(LD_BIND_NOW=1 LD_LIBRARY_PATH="$lib" ldd -r "$here/libLibTorchSharp.so" 2>&1 | grep -E 'undefined symbol|=> not found' || true)  # a weak version note (Debian's older libstdc++) is not a failure
if [[ -n "$missing" ]]; then
  echo "shim: does NOT load against this libtorch; missing:"
  echo "$missing" | sed -E 's/^[[:space:]]*undefined symbol: ([^[:space:]]+).*/  \1/' | sort -u | while read -r sym; do echo "  $(echo "$sym" | c++filt 2>/dev/null || echo "$sym")"; done
  exit 2
fi
echo "shim: loads against this libtorch (LD_BIND_NOW, no missing symbol)"

# 2. Greedy ids on cuda:0 against the CPU, float32, on a generated model.
model=$(mktemp -d)/check-model
"$here/dynamo" model synthetic --preset tiny --out "$model" >/dev/null || { echo "model: could not write the check model"; exit 1; }
ids() {
  local out
  out=$(DYNAMO_LIBTORCH="$lib" "$here/dynamo" generate --model "$model" --device "$1" --dtype float32 --prompt-ids 1,2,3,4,5,6,7,8 \
          --max-tokens 32 --temperature 0 --ignore-eos --json 2>&1) || { echo "error: $(echo "$out" | tail -1)"; return; }
  echo "$out" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token_ids"])'
}
cpu=$(ids cpu); cuda=$(ids cuda:0)
if [[ "$cpu" == "$cuda" ]]; then echo "greedy ids cuda:0 vs cpu (float32, 32 tokens): identical"; else echo "greedy ids cuda:0 vs cpu: DIFFER: cpu $cpu / cuda $cuda"; fi

# Not built yet (issue 13): the paged-forward and engine invariant tests on CUDA, a two-process handoff through CUDA IPC,
# and batch-1 decode tokens/s of a 1B-shaped bf16 model against HBM bandwidth and PyTorch eager.
echo "not yet part of this check: CUDA invariant tests, CUDA IPC handoff, decode tok/s vs HBM and PyTorch eager"
