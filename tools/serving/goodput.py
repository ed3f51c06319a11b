#!/usr/bin/env python3
"""Goodput and maximum throughput of serve's schedulers: the table "Co-located, chunked and disaggregated" of
docs/serving.md. Run from the repository root after `dotnet build src/Cli`:

    python3 tools/serving/goodput.py "chunked;disagg{prefill=tp4x1,decode=tp4x1};colocated{prefill_share=0.5}"

Prints one row per scheduler: requests/s and output tokens/s of offline:2000, then the goodput at each SLO: DistServe's
definition (OSDI '24), the highest Poisson rate at which at least 90% of the requests meet the SLO, found by bisection
to 1%. Llama 3 70B, FP8 weights, 8 H100s, default profile; lengths uniform, 1,000 requests, seed 1."""
import json, os, subprocess, sys
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
G = ["dotnet", os.path.join(ROOT, "src/Cli/bin/Debug/net10.0/graphdsl.dll")]
PROMPT, OUTPUT = "uniform:512-3584", "uniform:64-448"
def run(sched, workload, slo=None, n=1000):
    args = G + ["serve", "samples/llama-3-70b.moe", "--hardware", "h100-sxm", "--gpus", "8", "--weights", "fp8",
                "--workload", workload, "--seed", "1", "--scheduler", sched, "--format", "json"]
    if not workload.startswith("offline"): args += ["--requests", str(n)]
    if slo: args += ["--slo", slo]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if out.returncode: raise SystemExit(out.stderr)
    return json.loads(out.stdout)
def attainment(sched, rate, slo):
    d = run(sched, f"poisson:rate={rate:.3f},prompt={PROMPT},output={OUTPUT}", slo)
    return d["goodput_requests_per_s"] / d["request_throughput"]
def goodput(sched, slo):
    # DistServe's goodput: the highest rate at which >= 90% of requests meet the SLO (bisection to 1%).
    lo, hi = 0.0, 0.25
    while attainment(sched, hi, slo) >= 0.9:
        lo, hi = hi, hi * 2
        if hi > 64: return lo
    while hi - lo > 0.01 * hi:
        mid = (lo + hi) / 2
        if attainment(sched, mid, slo) >= 0.9: lo = mid
        else: hi = mid
    return lo
scheds = sys.argv[1].split(";")
slos = {"tight": "ttft=500,tpot=20", "loose": "ttft=3000,tpot=60"}
for s in scheds:
    top = run(s, f"offline:2000,prompt={PROMPT},output={OUTPUT}")
    row = [s, f"{top['request_throughput']:.2f}", f"{top['output_tokens_per_s']:.0f}"]
    for name, slo in slos.items():
        row.append(f"{goodput(s, slo):.2f}")
    print(" | ".join(row), flush=True)
