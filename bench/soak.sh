#!/usr/bin/env bash
# The long form of the overload soak (tests/Silo.Tests/OverloadSoakTests, whose 30-second form runs in CI): the real
# server at twice its admission capacity for SECONDS, with the test's own pass criteria. Writes bench/results/soak.md
# only when given an output folder.
# Usage: bench/soak.sh [SECONDS=600] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out="${2:-}"
if [[ "$seconds" == "--help" || "$seconds" == "-h" ]]; then sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
status=0
DYNAMO_SOAK_SECONDS="$seconds" DYNAMO_SOAK_RESULTS="$summary" \
  dotnet test tests/Silo.Tests -c Release --filter "FullyQualifiedName~OverloadSoakTests" --logger "console;verbosity=normal" || status=$?
if [[ -n "$out" && -s "$summary" ]]; then
  mkdir -p "$out"
  {
    echo "# Overload soak"
    echo
    echo "Command: \`bench/soak.sh $seconds $out\`  "
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M') UTC  "
    echo "Result: $([[ $status == 0 ]] && echo 'every criterion met' || echo "FAILED (exit $status)")"
    echo
    echo "| duration | load | answers | health | resident memory (first third → last third) |"
    echo "|---|---|---|---|---|"
    cat "$summary"
  } > "$out/soak.md"
  echo "written: $out/soak.md"
fi
exit "$status"
