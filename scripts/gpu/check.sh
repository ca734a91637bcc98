#!/usr/bin/env bash
# The CUDA check, run from an unpacked bundle (scripts/gpu/bundle.sh) on a machine with PyTorch: one result line per step.
# Step 1 stops the check when TorchSharp's shim (built for libtorch 2.10) cannot bind to this machine's libtorch.
# Exit status: 0 when every step passed. Settings: DYNAMO_LIBTORCH (else PyTorch's torch/lib), PYTHON (python3),
# DEVICE (cuda:0), HBM_GBPS (the bandwidth the decode bound is computed with; H200: 4800), DECODE_TOKENS (128),
# CHECK_SECONDS (570: the time all steps share, so that the whole check ends within 10 minutes).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
device=${DEVICE:-cuda:0}
hbm=${HBM_GBPS:-4800}
decode_tokens=${DECODE_TOKENS:-128}
if [[ -n "${DYNAMO_LIBTORCH:-}" ]]; then lib=$DYNAMO_LIBTORCH; origin="from DYNAMO_LIBTORCH"
else
  lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)
  origin=$("$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null)
fi
if [[ -z "$lib" || ! -f "$lib/libtorch.so" ]]; then echo "libtorch: not found (set DYNAMO_LIBTORCH or install PyTorch for $python)"; exit 1; fi
echo "libtorch: $lib ($origin)"
export DYNAMO_LIBTORCH="$lib"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
# The whole check stays within 10 minutes: each command gets at most its own cap and never more than what is left.
deadline=$((SECONDS + ${CHECK_SECONDS:-570}))
limit() { local left=$((deadline - SECONDS)); (( left > $1 )) && left=$1; (( left < 5 )) && left=5; echo "$left"; }
# The last line a command printed, or why there is none (`timeout` exits 124).
last() { if [[ $2 -eq 124 ]]; then echo "timed out"; else echo "$1" | tail -1; fi; }

# 1. Does the shim bind, every symbol resolved now rather than at first call?
missing=$(LD_BIND_NOW=1 LD_LIBRARY_PATH="$lib" ldd -r "$here/libLibTorchSharp.so" 2>&1 | grep -E 'undefined symbol|=> not found' || true)  # a weak version note (Debian's older libstdc++) is not a failure
if [[ -n "$missing" ]]; then
  echo "shim: does NOT load against this libtorch; missing:"
  echo "$missing" | sed -E 's/^[[:space:]]*undefined symbol: ([^[:space:]]+).*/  \1/' | sort -u | while read -r sym; do echo "  $(echo "$sym" | c++filt 2>/dev/null || echo "$sym")"; done
  exit 2
fi
echo "shim: loads against this libtorch (LD_BIND_NOW, no missing symbol)"

# 2. Greedy ids on the device against the CPU, float32, on a generated model.
model="$work/check-model"
"$here/dynamo" model synthetic --preset tiny --out "$model" >/dev/null || { echo "model: could not write the check model"; exit 1; }
ids() {
  local out
  out=$(timeout "$(limit 120)" "$here/dynamo" generate --model "$model" --device "$1" --dtype float32 --prompt-ids 1,2,3,4,5,6,7,8 \
          --max-tokens 32 --temperature 0 --ignore-eos --json 2>&1) || { echo "error: $(last "$out" $?)"; return; }
  echo "$out" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token_ids"])'
}
cpu=$(ids cpu); gpu=$(ids "$device")
if [[ "$cpu" == "$gpu" ]]; then echo "greedy ids $device vs cpu (float32, 32 tokens): identical"
else echo "greedy ids $device vs cpu: DIFFER: cpu $cpu / $device $gpu"; failed=1; fi

# 3. The paged-forward and engine invariants (the unit tests' checks, as `dynamo check invariants`) on the device.
out=$(timeout "$(limit 180)" "$here/dynamo" check invariants --device "$device" 2>&1); rc=$?
failures=$(echo "$out" | grep '^FAIL' | sed 's/^FAIL //' | paste -sd '|' - | sed 's/|/ | /g')
if [[ $rc -eq 0 ]]; then echo "invariants: $(last "$out" $rc)"
else echo "invariants: FAILED: $(last "$out" $rc)${failures:+ — $failures}"; failed=1; fi

# 4. A disaggregated handoff between two processes through the producer's registered pool (CUDA IPC on a GPU).
out=$(timeout "$(limit 180)" "$here/dynamo" check handoff --device "$device" 2>&1); rc=$?
line=$(last "$out" $rc)
if [[ $rc -eq 0 ]]; then echo "handoff: ${line#PASS }"; else echo "handoff: FAILED: ${line#FAIL }"; failed=1; fi

# 5. Batch-1 decode tokens/s of a Llama-3.2-1B-shaped bf16 model: ours, PyTorch eager, and the HBM bandwidth bound.
big="$work/llama3.2-1b"
timeout "$(limit 120)" "$here/dynamo" model synthetic --preset llama3.2-1b --out "$big" >/dev/null 2>"$work/model.err"; rc=$?
if [[ $rc -ne 0 ]]; then echo "decode: could not write the 1B-shaped model: $(last "$(cat "$work/model.err")" $rc)"; exit 1; fi
prompt=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
# Each prints one JSON line on stdout; when there is none, the last line of its stderr says why.
ours=$(timeout "$(limit 240)" "$here/dynamo" check decode --model "$big" --device "$device" --prompt-ids "$prompt" --tokens "$decode_tokens" \
         --hbm-gbps "$hbm" --json 2>"$work/ours.err" | tail -1)
[[ -n "$ours" ]] || ours=$(tail -1 "$work/ours.err"); ours=${ours:-"no output (timed out?)"}
eager=$(timeout "$(limit 240)" "$python" "$here/eager_decode.py" --model "$big" --device "$device" --prompt-ids "$prompt" --tokens "$decode_tokens" \
          2>"$work/eager.err" | tail -1)
[[ -n "$eager" ]] || eager=$(tail -1 "$work/eager.err"); eager=${eager:-"no output (timed out?)"}
"$python" - "$ours" "$eager" "$decode_tokens" <<'EOF' || failed=1
import json, sys
def read(text, who):
    try:
        return json.loads(text)
    except ValueError:
        print(f"decode: {who} failed: {text}")
        sys.exit(1)
ours, eager = read(sys.argv[1], "dynamo check decode"), read(sys.argv[2], "eager_decode.py")
bound = ours["bound_tokens_per_second"]
same = sum(1 for a, b in zip(ours["ids"], eager["ids"]) if a == b)
copy = f"; torch's device copy reaches {eager['copy_gbps']:.0f} GB/s" if eager.get("copy_gbps") else ""
print(f"decode 1B-shaped {ours['dtype']} batch 1, {sys.argv[3]} tokens: dynamo {ours['tokens_per_second']:.1f} tok/s, "
      f"PyTorch eager {eager['tokens_per_second']:.1f} tok/s (dynamo/eager {ours['tokens_per_second'] / eager['tokens_per_second']:.2f}x); "
      f"bound {bound:.0f} tok/s = {ours['hbm_gbps']:.0f} GB/s / {ours['bytes_per_token'] / 1e9:.3f} GB per token "
      f"(dynamo {ours['tokens_per_second'] / bound:.1%}, eager {eager['tokens_per_second'] / bound:.1%}){copy}; "
      f"first {len(ours['ids'])} ids: {same} agree (for information: bf16 kernels may break near-ties differently)")
EOF
exit $failed
