using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Linq;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// Worked examples at the end of each command's <c>--help</c>, declared here in one table (so the command files keep
/// only their options) and shown by wrapping the help option's action: System.CommandLine's own help first, then an
/// "Examples:" section. A test parses every example against the real command tree, so none goes stale.
/// </summary>
public static class HelpExamples
{
    /// <summary>Examples by command path ("predict", "weights init"), each a full command line run from the repository root.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ByCommand = new Dictionary<string, string[]>
    {
        [""] = new[]
        {
            "graphdsl predict samples/deepseek-v3.moe --hardware h200-sxm --gpus 8 --weights fp8 --batch 64 --prompt 2048 --context 8192",
            "graphdsl hardware",
            "graphdsl predict --help",
        },
        ["check"] = new[] { "graphdsl check samples/deepseek-v3.moe samples/mixtral-8x7b.moe" },
        ["compile"] = new[] { "graphdsl compile samples/tiny-moe.moe --passes inline,canonicalize,fuse", "graphdsl compile samples/llama-3-8b.moe --emit json -o llama.json" },
        ["opt"] = new[] { "graphdsl opt model.gir --passes canonicalize,fuse --print-after-all" },
        ["stats"] = new[] { "graphdsl stats samples/deepseek-v3.moe", "graphdsl stats samples/deepseek-v3.moe --format csv-layers" },
        ["fmt"] = new[] { "graphdsl fmt samples/tiny-moe.moe --check", "graphdsl fmt my-model.moe --write" },
        ["passes"] = new[] { "graphdsl passes" },
        ["predict"] = new[]
        {
            "graphdsl predict samples/deepseek-v3.moe --hardware h200-sxm --gpus 8 --weights fp8 --batch 64 --prompt 2048 --context 8192",
            "graphdsl predict samples/llama-3-70b.moe --hardware h100-sxm --gpus 8 --tp 8 --batch 32 --format csv",
            "graphdsl predict samples/deepseek-v3.moe --hardware b200 --gpus 8 --weights nvfp4 --speculative mtp:3 --acceptance 2.5 --engine trtllm --format csv-ops",
        },
        ["serve"] = new[]
        {
            "graphdsl serve samples/mixtral-8x7b.moe --hardware h100-sxm --gpus 8 --workload poisson:rate=4,prompt=1024,output=256 --slo ttft=500,tpot=50",
            "graphdsl serve samples/llama-3-70b.moe --hardware h100-sxm --gpus 8 --weights fp8 --workload poisson:rate=8,prompt=2048,output=256 --scheduler chunked{budget=2048} --format csv",
        },
        ["plan"] = new[]
        {
            "graphdsl plan samples/deepseek-v3.moe --hardware h200-sxm --gpus 8,16,32 --weights fp8 --workload poisson:rate=5,prompt=2048,output=256 --slo ttft=2000,tpot=50",
        },
        ["sweep"] = new[]
        {
            "graphdsl sweep samples/mixtral-8x7b.moe --hardware h100-sxm,h200-sxm --gpus 8 --tp 1,2,4,8 --batch 1,64,256 --context 4k,32k -o sweep.csv",
        },
        ["compare"] = new[]
        {
            "graphdsl compare samples/mixtral-8x7b.moe samples/llama-2-70b.moe --hardware h100-sxm --gpus 8 --batch 64",
            "graphdsl compare samples/deepseek-v3.moe --dense-q 2 --hardware h200-sxm --gpus 8 --batch 64 --format csv-contexts",
        },
        ["route-stats"] = new[] { "graphdsl route-stats samples/deepseek-v3.moe --synthetic zipf:1.2 --seed 7 -o stats.json" },
        ["place"] = new[] { "graphdsl place samples/deepseek-v3.moe --gpus 32 --stats stats.json --strategy eplb --redundant 32 --hardware h200-sxm --format csv" },
        ["validate"] = new[] { "graphdsl validate --data tests/Backends.CostModel.Tests/Data/measurements.csv --format csv" },
        ["calibrate"] = new[] { "graphdsl calibrate --data tests/Backends.CostModel.Tests/Data/measurements.csv --engine gpt-fast --free eta_hbm,collective_us,dequant_ops --start gpt-fast" },
        ["weights init"] = new[] { "graphdsl weights init samples/tiny-moe.moe --seed 1 -o tiny.safetensors" },
        ["weights check"] = new[] { "graphdsl weights check samples/tiny-moe.moe --weights tiny.safetensors" },
        ["run"] = new[] { "graphdsl run samples/tiny-moe.moe --weights tiny.safetensors --prompt-tokens 1,17,42 --max-new 16 --passes fuse --check" },
        ["import hf"] = new[] { "graphdsl import hf path/to/Qwen3-30B-A3B/config.json -o qwen3-30b-a3b.moe" },
        ["hardware"] = new[] { "graphdsl hardware", "graphdsl hardware --format csv" },
        ["completion"] = new[] { "eval \"$(graphdsl completion bash)\"", "graphdsl completion zsh > ~/.zfunc/_graphdsl", "graphdsl completion pwsh | Out-String | Invoke-Expression" },
    };

    /// <summary>The path of a command below the root: "predict", "weights init"; "" for the root.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && s is not RootCommand; s = s.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return string.Join(" ", names);
    }

    /// <summary>Makes every --help end with the command's examples.</summary>
    public static void Attach(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new WithExamples((SynchronousCommandLineAction)help.Action!);
    }

    private sealed class WithExamples(SynchronousCommandLineAction help) : SynchronousCommandLineAction
    {
        // As the help action it wraps: --help ends the invocation and is not a usage error when arguments are missing.
        public override bool Terminating => help.Terminating;
        public override bool ClearsParseErrors => help.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            int code = help.Invoke(parseResult);
            if (!ByCommand.TryGetValue(PathOf(parseResult.CommandResult.Command), out var examples)) return code;
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var e in examples) output.WriteLine("  " + e);
            output.WriteLine();
            return code;
        }
    }
}
