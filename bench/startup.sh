#!/usr/bin/env bash
# Cold start-up of the graphdsl command, native (AOT) and JIT, against Python's own start-up (`python3 -c pass`), the
# peer of issue 19. Publishes the native binary into artifacts/native (README "A native binary") and builds the JIT
# Release build, then times each command with hyperfine (apt-get install hyperfine) and prints mean times and ratios
# to Python. Python is timed three ways: `python3` as found on the PATH (on the development VM a pyenv shim, a shell
# script that then starts the interpreter: what a user typing python3 gets), that interpreter started directly, and the
# system's /usr/bin/python3 where there is one (the bare floor). Usage: bench/startup.sh [RUNS]   (default 20; results
# in docs/BENCHMARKS.md, "Start-up"; SKIP_PUBLISH=1 times the binaries already built)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish src/Cli -c Release -r linux-x64 -p:GraphDslAot=true -o artifacts/native -v q -nologo >/dev/null
  dotnet build src/Cli -c Release -v q -nologo >/dev/null
fi
interpreter=$(python3 -c 'import sys; print(sys.executable)')
pythons=(-n python "python3 -c pass" -n "python direct" "$interpreter -c pass")
[ -x /usr/bin/python3 ] && pythons+=(-n "system python" "/usr/bin/python3 -c pass")
native=artifacts/native/graphdsl
jit="dotnet src/Cli/bin/Release/net10.0/graphdsl.dll"
predict="predict samples/deepseek-v3.moe --hardware h200-sxm --gpus 8 --weights fp8 --batch 64 --prompt 2048 --context 8192"
stats="stats samples/deepseek-v3.moe"
out=$(mktemp -d)
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/startup.json" \
  "${pythons[@]}" \
  -n "native predict" "$native $predict" -n "native stats" "$native $stats" -n "native --help" "$native --help" \
  -n "jit predict" "$jit $predict" -n "jit stats" "$jit $stats" -n "jit --help" "$jit --help" >/dev/null
python3 - "$out/startup.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
peers = [p for p in ("python", "python direct", "system python") if p in results]
print(f"{'command':<16} {'mean ms':>8} {'sd':>6} {'median':>7} {'cpu ms':>7} " + " ".join(f"{'vs ' + p:>17}" for p in peers))
for name, r in results.items():
    ratios = " ".join(f"{r['mean'] / results[p]['mean']:16.2f}x" for p in peers)
    print(f"{name:<16} {r['mean']*1e3:8.1f} {r['stddev']*1e3:6.1f} {r['median']*1e3:7.1f} {(r['user'] + r['system'])*1e3:7.1f} {ratios}")
PY
