#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ and SharpFuzz (docs/robustness.md):
#   tools/Fuzz/afl.sh TARGET|all [SECONDS] [EXECUTIONS]
# Publishes tools/Fuzz (Release) to artifacts/fuzz-bin, instruments the GraphDsl assemblies with the pinned
# sharpfuzz tool (tools/Fuzz/dotnet-tools.json), and runs afl-fuzz on tools/Fuzz/corpus/TARGET (SharpFuzz's fork
# server runs the inputs in a child process it restarts after a crash or hang)
# until SECONDS pass (default 3600) or EXECUTIONS inputs have run (default 1000000), then prints afl-fuzz's
# figures. 'all' runs every target one after another. Findings land in
# artifacts/fuzz/afl-TARGET/default/{crashes,hangs} (afl-fuzz's own log: artifacts/fuzz/afl-TARGET/afl.log); replay one with
#   dotnet artifacts/fuzz-bin/GraphDsl.Fuzz.dll TARGET repro FILE
# Needs afl-fuzz (Debian: apt-get install afl++).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${1:?usage: tools/Fuzz/afl.sh TARGET|all [SECONDS] [EXECUTIONS]}"
seconds="${2:-3600}"
executions="${3:-1000000}"
bin=artifacts/fuzz-bin
out="artifacts/fuzz/afl-$target"

# Rebuilt whenever the code under test or the harness changed (the stamp hashes their tracked and working-tree state).
stamp="$( (git ls-files -s src tools/Fuzz tools/Fuzz.Targets; git diff HEAD -- src tools/Fuzz tools/Fuzz.Targets) | sha1sum | cut -c1-40)"
if [ "$(cat "$bin/.instrumented" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$bin"
  (cd tools/Fuzz && dotnet tool restore >/dev/null)
  dotnet publish tools/Fuzz -c Release -o "$bin" -v q -nologo
  # The code under test, not the harness, the runtime or the packages: coverage of GraphDsl's own branches.
  for dll in "$bin"/GraphDsl.*.dll; do
    case "$(basename "$dll")" in GraphDsl.Fuzz*.dll) continue ;; esac
    (cd tools/Fuzz && dotnet tool run sharpfuzz "$(realpath "../../$dll")")
  done
  echo "$stamp" > "$bin/.instrumented"
fi

if [ "$target" = all ]; then
  for t in $(dotnet "$bin/GraphDsl.Fuzz.dll" list | awk 'NR > 1 { print $1 }'); do "$0" "$t" "$seconds" "$executions" || echo "$t: afl-fuzz stopped early"; done
  exit 0
fi

rm -rf "$out"; mkdir -p "$out"
# -t: a reader must answer within 2 s (the CI smoke's limit too); -m none: the .NET runtime
# reserves far more virtual memory than AFL's default limit. AFL_SKIP_BIN_CHECK: the target is 'dotnet'.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -i "tools/Fuzz/corpus/$target" -o "$out" -t 2000 -m none -V "$seconds" -E "$executions" \
  -- dotnet "$bin/GraphDsl.Fuzz.dll" "$target" afl > "$out/afl.log" 2>&1 || { tail -n 20 "$out/afl.log"; exit 1; }
stats="$out/default/fuzzer_stats"
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "$target: $(get execs_done) executions in $(get run_time) s ($(get execs_per_sec)/s overall), corpus $(get corpus_count), edges $(get edges_found), crashes $(get saved_crashes), hangs $(get saved_hangs)"
