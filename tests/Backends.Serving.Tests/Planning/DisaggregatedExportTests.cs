using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Planning.Engines;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Serving.Tests.Planning;

/// <summary>A disaggregated DeepSeek-V3-shaped plan on 56 H200s (7 nodes): one prefill instance of dp8ep8 (8 GPUs) and
/// three decode instances of tp8 x dp2 with ep16 (16 GPUs, two nodes each), FP8 weights,
/// disagg{max_batch=128}. Dynamo writes a prefill and a decode worker service with the instances as replicas and each
/// backend's disaggregation flags, which pass the check; the engines' own scripts refuse the plan.</summary>
public class DisaggregatedExportTests
{
    private const int Experts = 256;

    private static ExportRequest Request(string backend = "vllm")
    {
        var target = new PlanTarget(new Cluster(HardwareCatalog.BuiltIn().Find("h200-sxm")!, 7, 8), EfficiencyProfile.Find("default")!);
        var prefill = new Deployment(new ParallelLayout(1, 8, 8, 1), "fp8", "keep");
        var decode = new Deployment(new ParallelLayout(8, 16, 2, 1), "fp8", "keep");
        var spec = SchedulerSpec.Disaggregated(new InstanceLayout(1, 8, 8, 1, 1), new InstanceLayout(8, 16, 2, 1, 3), maxBatch: 128);
        var plan = new PlanCandidate(PlanKind.Disaggregated, target, prefill, spec) { DecodeDeployment = decode };
        return new ExportRequest(plan, "deepseek-ai/DeepSeek-V3", Experts, null, backend);
    }

    private static System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<string>> Yaml(string backend)
    {
        var files = EngineExport.Write("dynamo", Request(backend), out var problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(DynamoExport.DisaggregatedFileName, Assert.Single(files).Name);
        return SimpleYaml.Read(files[0].Text, out _)!;
    }

    [Fact]
    public void Dynamo_runs_a_prefill_and_a_decode_worker_service_with_vllm()
    {
        var yaml = Yaml("vllm");
        const string P = "spec.services.VllmPrefillWorker.", D = "spec.services.VllmDecodeWorker.";
        Assert.Equal(("worker", "prefill", "1", "8"), (yaml[P + "componentType"].Single(), yaml[P + "subComponentType"].Single(), yaml[P + "replicas"].Single(), yaml[P + "resources.limits.gpu"].Single()));
        Assert.False(yaml.ContainsKey(P + "multinode.nodeCount"));
        Assert.Equal(("decode", "3", "2", "8"), (yaml[D + "subComponentType"].Single(), yaml[D + "replicas"].Single(), yaml[D + "multinode.nodeCount"].Single(), yaml[D + "resources.limits.gpu"].Single()));
        var prefillArgs = yaml[P + "extraPodSpec.mainContainer.args"];
        var decodeArgs = yaml[D + "extraPodSpec.mainContainer.args"];
        Assert.Equal("--is-prefill-worker", prefillArgs[^1]);
        Assert.Equal("--is-decode-worker", decodeArgs[^1]);
        string Value(System.Collections.Generic.List<string> args, string flag) => args[args.IndexOf(flag) + 1];
        Assert.Equal(("1", "8"), (Value(prefillArgs, "--tensor-parallel-size"), Value(prefillArgs, "--data-parallel-size")));
        Assert.Equal(("8", "2", "64"), (Value(decodeArgs, "--tensor-parallel-size"), Value(decodeArgs, "--data-parallel-size"), Value(decodeArgs, "--max-num-seqs")));
        Assert.Contains("--enable-expert-parallel", decodeArgs);
        Assert.Equal("deepseek-ai-deepseek-v3-disagg", yaml["metadata.name"].Single());
    }

    [Fact]
    public void Dynamo_runs_sglang_workers_in_its_disaggregation_mode()
    {
        var yaml = Yaml("sglang");
        var prefill = yaml["spec.services.prefill.extraPodSpec.mainContainer.args"];
        var decode = yaml["spec.services.decode.extraPodSpec.mainContainer.args"];
        Assert.Equal(new[] { "--disaggregation-mode", "prefill", "--disaggregation-transfer-backend", "nixl", "--disaggregation-bootstrap-port", "30001" }, prefill.TakeLast(6));
        Assert.Equal(new[] { "--disaggregation-mode", "decode" }, decode.TakeLast(6).Take(2));
        Assert.Equal("16", decode[decode.IndexOf("--tp-size") + 1]);
        Assert.Equal("128", decode[decode.IndexOf("--max-running-requests") + 1]);
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("sglang")]
    [InlineData("trtllm")]
    public void The_engines_own_scripts_refuse_a_disaggregated_plan(string engine)
    {
        var e = Assert.Throws<ExportException>(() => EngineExport.Write(engine, Request(), out _));
        Assert.StartsWith("a disaggregated plan (disagg{prefill=dp8ep8x1,decode=tp8dp2ep16x3,max_batch=128}) runs separate prefill and decode servers", e.Message);
        Assert.EndsWith($"{engine}'s own launch files are written for aggregated plans only", e.Message);
    }

    /// <summary>The check reads the graph back: the workers' replicas x nodes x GPUs must be the plan's, each worker's
    /// arguments must pass its engine's check on one replica's GPUs, and the workers must be a prefill and a decode one.</summary>
    [Theory]
    [InlineData("replicas: 3", "replicas: 2", "dynamo-disagg.yaml: the workers have VllmPrefillWorker: 1 x 1 node(s) of 8 GPUs + VllmDecodeWorker: 2 x 2 node(s) of 8 GPUs = 40, but the plan has 56")]
    [InlineData("subComponentType: decode", "subComponentType: prefill", "dynamo-disagg.yaml: worker services VllmPrefillWorker, VllmDecodeWorker are not one aggregated worker or a prefill and a decode worker")]
    [InlineData("- \"--is-decode-worker\"", "- \"--is-decoder\"", "dynamo-disagg.yaml: VllmDecodeWorker: worker args: --is-decoder is not a flag of vllm")]
    [InlineData("subComponentType: decode", "subComponentType: both", "dynamo-disagg.yaml: spec.services.VllmDecodeWorker.subComponentType 'both' is not one of prefill, decode")]
    public void The_check_finds_each_mistake(string find, string replace, string expected)
    {
        var files = EngineExport.Write("dynamo", Request(), out _).ToList();
        Assert.Contains(find, files[0].Text);
        files[0] = files[0] with { Text = files[0].Text.Replace(find, replace) };
        var problems = ExportCheck.Check(EngineSpec.Load("dynamo"), files, 56, Experts);
        Assert.True(problems.Any(p => p.StartsWith(expected, StringComparison.Ordinal)), string.Join("\n", problems));
    }
}
