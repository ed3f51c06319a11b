#!/usr/bin/env bash
# Cold start-up of the graphdsl command, native (AOT) and JIT, against Python's own start-up (`python3 -c pass`), the
# peer of issue 19. Publishes the native binary into artifacts/native (README "A native binary") and builds the JIT
# Release build, then times each command with hyperfine (apt-get install hyperfine) and prints mean times and ratios
# to Python. Usage: bench/startup.sh [RUNS]   (default 20; results in docs/BENCHMARKS.md, "Start-up")
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
dotnet publish src/Cli -c Release -r linux-x64 -p:GraphDslAot=true -o artifacts/native -v q -nologo >/dev/null
dotnet build src/Cli -c Release -v q -nologo >/dev/null
native=artifacts/native/graphdsl
jit="dotnet src/Cli/bin/Release/net10.0/graphdsl.dll"
predict="predict samples/deepseek-v3.moe --hardware h200-sxm --gpus 8 --weights fp8 --batch 64 --prompt 2048 --context 8192"
stats="stats samples/deepseek-v3.moe"
out=$(mktemp -d)
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/startup.json" \
  -n python "python3 -c pass" \
  -n "native predict" "$native $predict" -n "native stats" "$native $stats" -n "native --help" "$native --help" \
  -n "jit predict" "$jit $predict" -n "jit stats" "$jit $stats" -n "jit --help" "$jit --help" >/dev/null
python3 - "$out/startup.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = results["python"]["mean"]
print(f"{'command':<16} {'mean ms':>8} {'stddev':>7} {'median':>7} {'vs python':>9}")
for name, r in results.items():
    print(f"{name:<16} {r['mean']*1e3:8.1f} {r['stddev']*1e3:7.1f} {r['median']*1e3:7.1f} {r['mean']/base:8.2f}x")
PY
