#!/usr/bin/env bash
# Writes what the cost model and the compiler print for a fixed set of commands into one folder, so a
# refactoring can show that it changes no behaviour: run it before and after, then `diff -r BEFORE AFTER`
# must be empty. Usage: tools/behaviour/snapshot.sh OUTDIR   (builds src/Cli first)
set -u
out=${1:?usage: snapshot.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
dotnet build "$root/src/Cli" -v q -nologo >/dev/null || { echo "build failed" >&2; exit 1; }
g() { dotnet "$root/src/Cli/bin/Debug/net10.0/graphdsl.dll" "$@"; }
cd "$root"
n=0
run() { # run NAME ARGS...: stdout, stderr and exit code of one command
  local name=$1; shift
  g "$@" >"$out/$name.out" 2>"$out/$name.err"; echo "exit $?" >>"$out/$name.err"; n=$((n+1))
}
run validate validate --data tests/Backends.CostModel.Tests/Data/measurements.csv
run sweep-dsv3 sweep samples/deepseek-v3.moe --hardware h100-sxm,h200-sxm --gpus 8,16 --tp 1,8,16 --dp 1,8,16 --ep 1,8,16 --batch 1,64,1024 --weights fp8,nvfp4 --kv keep,fp8 --format csv
run sweep-mixtral sweep samples/mixtral-8x7b.moe --hardware a100-sxm-80gb,mi300x --gpus 1,2,4 --batch 1,32,256 --context 4k,32k --format json
for s in samples/*.moe; do
  m=$(basename "$s" .moe)
  run "stats-$m" stats "$s"
  run "predict-$m" predict "$s" --hardware h100-sxm --gpus 8 --batch 64 --format json
done
run predict-dsv3-dp predict samples/deepseek-v3.moe --hardware h200-sxm --gpus 16 --tp 1 --dp 16 --ep 16 --batch 1024 --weights fp8 --kv fp8 --format json
run predict-dsv3-mtp predict samples/deepseek-v3.moe --hardware b200 --gpus 8 --tp 8 --ep 4 --batch 1 --weights nvfp4 --speculative mtp:3 --acceptance 2.5 --engine trtllm --format json
run predict-dsv3-redundant predict samples/deepseek-v3.moe --hardware h100-sxm --gpus 72 --tp 1 --dp 72 --ep 72 --redundant-experts 32 --batch 4608 --weights fp8 --format json
run predict-qwen-mi300 predict samples/qwen3-235b-a22b.moe --hardware mi300x --gpus 8 --engine vllm --weights fp8 --batch 256 --format json
run predict-llama-table predict samples/llama-3-70b.moe --hardware h100-sxm --gpus 8 --tp 8 --batch 8 --weights fp8 --passes 'inline,canonicalize,fuse,overlap'
run predict-pp predict samples/llama-3.1-405b.moe --hardware h100-sxm --gpus 16 --tp 8 --pp 2 --batch 32 --weights int4 --kv int8 --format json
run compare compare samples/mixtral-8x7b.moe samples/llama-2-70b.moe --hardware h100-sxm --gpus 8 --batch 64
run compile-dsv3 compile samples/deepseek-v3.moe --passes 'inline,canonicalize,quantize{weights=fp8},parallelize{tp=8,ep=8},fuse,overlap'
run compile-tiny compile samples/tiny-moe.moe --passes 'inline,canonicalize,densify,prune-logits,fuse'
run passes passes
echo "$n commands written to $out"
