using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Planning.Engines;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Serving.Tests.Planning;

/// <summary>The engine exports of a DeepSeek-V3-shaped plan (256 experts, 16 H200s on 2 nodes, tp 4 x dp 4, ep 16 with 16
/// redundant slots, FP8 weights and KV cache, chunked{max_batch=256,budget=8192}): each passes its engine's argument check
/// (every flag exists for that engine and version, values in range, the layout multiplies to the GPUs), writes the values
/// the engine's own units need, and the check catches each kind of mistake.</summary>
public class ExportTests
{
    private const int Experts = 256, Redundant = 16;

    private static ExportRequest Request(int ep = 16, int redundant = Redundant, string backend = "vllm")
    {
        var target = new PlanTarget(new Cluster(HardwareCatalog.BuiltIn().Find("h200-sxm")!, 2, 8), EfficiencyProfile.Find("default")!);
        var plan = new PlanCandidate(PlanKind.Aggregated, target, new Deployment(new ParallelLayout(4, ep, 4, 1) { Redundant = redundant }, "fp8", "fp8"),
            new SchedulerSpec(SchedulerKind.Chunked, 256, null, 8192));
        // Three layers of every expert once plus the first 16 again: 272 slots over 16 ranks.
        var row = "[" + string.Join(", ", Enumerable.Range(0, Experts).Concat(Enumerable.Range(0, redundant))) + "]";
        return new ExportRequest(plan, "deepseek-ai/DeepSeek-V3", Experts, $"{{\"physical_to_logical_map\": [{row}, {row}, {row}]}}", backend);
    }

    private static IReadOnlyList<ExportFile> Export(string engine, ExportRequest r)
    {
        var files = EngineExport.Write(engine, r, out var problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return files;
    }

    private static string File(IReadOnlyList<ExportFile> files, string name) => files.Single(f => f.Name == name).Text;

    [Theory]
    [InlineData("vllm", "vllm")]
    [InlineData("sglang", "vllm")]
    [InlineData("trtllm", "vllm")]
    [InlineData("dynamo", "vllm")]
    [InlineData("dynamo", "sglang")]
    public void Every_export_passes_its_engines_check(string engine, string backend) => Export(engine, Request(backend: backend));

    [Fact]
    public void Vllm_sizes_per_data_parallel_rank_and_runs_a_command_per_node()
    {
        var spec = EngineSpec.Load("vllm");
        var commands = LaunchCommand.Parse(File(Export("vllm", Request()), "vllm.sh"), spec);
        Assert.Equal(2, commands.Count);
        foreach (var c in commands)
        {
            Assert.Equal(new[] { "deepseek-ai/DeepSeek-V3" }, c.Positional);
            Assert.Equal(("4", "4", "1"), (c.Value("--tensor-parallel-size"), c.Value("--data-parallel-size"), c.Value("--pipeline-parallel-size")));
            Assert.Equal(("64", "2048"), (c.Value("--max-num-seqs"), c.Value("--max-num-batched-tokens")));
            Assert.True(c.Has("--enable-expert-parallel") && c.Has("--enable-eplb"));
            Assert.Equal("{\"num_redundant_experts\": 16}", c.Value("--eplb-config"));
            Assert.Equal(("fp8", "fp8"), (c.Value("--kv-cache-dtype"), c.Value("--quantization")));
            Assert.Equal("2", c.Value("--data-parallel-size-local"));
        }
        Assert.False(commands[0].Has("--headless"));
        Assert.Equal("2", commands[1].Value("--data-parallel-start-rank"));
    }

    [Fact]
    public void Sglang_counts_every_gpu_of_a_stage_and_loads_the_expert_map()
    {
        var files = Export("sglang", Request());
        var commands = LaunchCommand.Parse(File(files, "sglang.sh"), EngineSpec.Load("sglang"));
        Assert.Equal(new[] { "0", "1" }, commands.Select(c => c.Value("--node-rank")));
        var c = commands[0];
        Assert.Equal(("16", "4", "16"), (c.Value("--tp-size"), c.Value("--dp-size"), c.Value("--ep-size")));
        Assert.True(c.Has("--enable-dp-attention"));
        Assert.Equal(("16", SglangExport.MapFile), (c.Value("--ep-num-redundant-experts"), c.Value("--init-expert-location")));
        Assert.Equal(("8192", "256", "fp8_e4m3"), (c.Value("--chunked-prefill-size"), c.Value("--max-running-requests"), c.Value("--kv-cache-dtype")));
        Assert.StartsWith("{\"physical_to_logical_map\"", File(files, SglangExport.MapFile));
    }

    [Fact]
    public void Trtllm_writes_its_options_yaml()
    {
        var files = Export("trtllm", Request());
        var c = LaunchCommand.Parse(File(files, "trtllm.sh"), EngineSpec.Load("trtllm")).Single();
        Assert.Equal(("16", "1", "16", "64", "2048"), (c.Value("--tp_size"), c.Value("--pp_size"), c.Value("--ep_size"), c.Value("--max_batch_size"), c.Value("--max_num_tokens")));
        var yaml = SimpleYaml.Read(File(files, TrtllmExport.OptionsFile), out var problem)!;
        Assert.Null(problem);
        Assert.Equal("true", yaml["enable_attention_dp"].Single());
        Assert.Equal("fp8", yaml["kv_cache_config.dtype"].Single());
        Assert.Equal("272", yaml["moe_config.load_balancer.num_slots"].Single());
    }

    /// <summary>trtllm.sh and sglang.sh named their side files (trtllm-extra.yaml, sglang-expert-map.json) by bare name, which
    /// the shell looks up in the folder it runs in: <c>sh plans/trtllm.sh</c> started trtllm-serve without its options. They
    /// name them in the script's own folder now, found from $0 before the commands; the check reads them back as the
    /// export's files (its other tests pass on these scripts).</summary>
    [Fact]
    public void Scripts_name_their_side_files_in_their_own_folder()
    {
        const string Folder = "here=\"$(cd \"$(dirname \"$0\")\" && pwd)\"";
        Assert.Equal(Folder, LaunchCommand.ScriptFolderLine);
        var trtllm = File(Export("trtllm", Request()), "trtllm.sh");
        Assert.Contains("\n" + Folder + "\n\ntrtllm-serve ", trtllm);
        Assert.EndsWith(" \\\n    --extra_llm_api_options \"$here/trtllm-extra.yaml\"\n", trtllm);
        Assert.Equal(TrtllmExport.OptionsFile, LaunchCommand.Parse(trtllm, EngineSpec.Load("trtllm")).Single().Value("--extra_llm_api_options"));

        var sglang = File(Export("sglang", Request()), "sglang.sh");
        Assert.True(sglang.IndexOf(Folder, StringComparison.Ordinal) is var at && at > 0 && at < sglang.IndexOf("# node 0", StringComparison.Ordinal), sglang);
        Assert.Equal(2, sglang.Split("--init-expert-location \"$here/sglang-expert-map.json\"").Length - 1);
        // A script without side files has no need of its folder.
        Assert.DoesNotContain("$here", File(Export("vllm", Request()), "vllm.sh"));
    }

    [Fact]
    public void Dynamo_runs_the_engine_over_its_nodes()
    {
        var yaml = SimpleYaml.Read(File(Export("dynamo", Request()), DynamoExport.FileName), out _)!;
        Assert.Equal("DynamoGraphDeployment", yaml["kind"].Single());
        Assert.Equal(("2", "8"), (yaml["spec.services.worker.multinode.nodeCount"].Single(), yaml["spec.services.worker.resources.limits.gpu"].Single()));
        Assert.Equal(new[] { "python3", "-m", "dynamo.vllm" }, yaml["spec.services.worker.extraPodSpec.mainContainer.command"]);
        var args = yaml["spec.services.worker.extraPodSpec.mainContainer.args"];
        Assert.Equal(new[] { "--model", "deepseek-ai/DeepSeek-V3", "--tensor-parallel-size", "4" }, args.Take(4));
    }

    [Fact]
    public void What_an_engine_cannot_express_is_refused()
    {
        var e = Assert.Throws<ExportException>(() => EngineExport.Write("vllm", Request(ep: 8, redundant: 8), out _));
        Assert.Equal("vLLM's expert parallelism spans all tp x dp = 16 GPUs of a stage; the plan's ep=8 cannot be set", e.Message);
        var noMap = Request() with { ExpertMapJson = null };
        Assert.Throws<ExportException>(() => EngineExport.Write("sglang", noMap, out _));
    }

    /// <summary>Each kind of mistake in a file, found by reading it back against the data file.</summary>
    [Theory]
    [InlineData("vllm", "vllm.sh", "--max-num-seqs 64", "--max-num-seqs 64 --max-num-sequences 64", "vllm.sh: --max-num-sequences is not a flag of vllm")]
    [InlineData("vllm", "vllm.sh", "--kv-cache-dtype fp8", "--kv-cache-dtype fp4", "vllm.sh: --kv-cache-dtype 'fp4' is not one of auto, float16, bfloat16, fp8,")]
    [InlineData("vllm", "vllm.sh", "--data-parallel-size 4", "--data-parallel-size 2", "vllm.sh: --tensor-parallel-size 4 x --data-parallel-size 2 x --pipeline-parallel-size 1 = 8 GPUs, but the plan has 16")]
    [InlineData("sglang", "sglang.sh", "--max-running-requests 256", "--max-running-requests 0", "sglang.sh: --max-running-requests 0 is below its minimum 1")]
    [InlineData("sglang", "sglang.sh", "--dp-size 4", "--dp-size 3", "sglang.sh: --dp-size 3 does not divide --tp-size 16")]
    [InlineData("sglang", "sglang-expert-map.json", "254, 255,", "254, 254,", "sglang-expert-map.json: row 0 holds 255 of the 256 experts")]
    [InlineData("trtllm", "trtllm-extra.yaml", "enable_attention_dp: true", "enable_attention_dp: yes", "trtllm-extra.yaml: enable_attention_dp 'yes' is not true or false")]
    [InlineData("trtllm", "trtllm-extra.yaml", "kv_cache_config:", "kv_cache:", "trtllm-extra.yaml: 'kv_cache.dtype' is not a key trtllm reads")]
    [InlineData("dynamo", "dynamo-agg.yaml", "gpu: \"8\"", "gpu: \"4\"", "dynamo-agg.yaml: the worker has 2 node(s) of 4 GPUs = 8, but the plan has 16")]
    [InlineData("dynamo", "dynamo-agg.yaml", "- dynamo.vllm", "- dynamo.vllmx", "dynamo-agg.yaml: the worker's command 'python3 -m dynamo.vllmx' runs none of dynamo.vllm, dynamo.sglang")]
    // A side file by its bare name is looked up in the folder the script is run from (sh plans/trtllm.sh started
    // trtllm-serve without plans/trtllm-extra.yaml); the check passed it, reading the value as the file's name.
    [InlineData("trtllm", "trtllm.sh", "\"$here/trtllm-extra.yaml\"", "trtllm-extra.yaml",
        "trtllm.sh: --extra_llm_api_options names 'trtllm-extra.yaml' by its bare name, which the shell looks up in the folder the script is run from; name it \"$here/trtllm-extra.yaml\"")]
    [InlineData("sglang", "sglang.sh", "\"$here/sglang-expert-map.json\"", "sglang-expert-map.json",
        "sglang.sh: --init-expert-location names 'sglang-expert-map.json' by its bare name, which the shell looks up in the folder the script is run from; name it \"$here/sglang-expert-map.json\"")]
    // YAML's readers end a line at U+2028 and U+2029 too: a key after one in a comment is a key, not the comment's text.
    [InlineData("trtllm", "trtllm-extra.yaml", "enable_attention_dp: true", "# note\u2028max_seq_lens: 1\u2029enable_attention_dp: true", "trtllm-extra.yaml: 'max_seq_lens' is not a key trtllm reads")]
    public void The_check_finds_each_mistake(string engine, string file, string find, string replace, string expected)
    {
        var files = Export(engine, Request(backend: "vllm")).ToList();
        int i = files.FindIndex(f => f.Name == file);
        Assert.Contains(find, files[i].Text);
        files[i] = files[i] with { Text = files[i].Text.Replace(find, replace) };
        var problems = ExportCheck.Check(EngineSpec.Load(engine), files, 16, Experts);
        Assert.True(problems.Any(p => p.StartsWith(expected, StringComparison.Ordinal)), string.Join("\n", problems));
    }

    /// <summary>A model named with YAML's other line breaks (U+2028, U+2029, NEL) ended the Dynamo file's comment line and
    /// added a key of its own, which the check (reading lines at '\n' only) passed; now the comments hold it on one line,
    /// the values escape it, and the worker still loads the model by its exact name.</summary>
    [Fact]
    public void A_model_name_cannot_add_a_line_to_a_yaml_file()
    {
        const string model = "x\u2028extra: injected\u2029# \u0085more: 1";
        foreach (var engine in new[] { "dynamo", "trtllm", "vllm" })
            foreach (var f in Export(engine, Request() with { Model = model }))
            {
                // A shell keeps the name whole inside its single quotes; a comment and a YAML file may not hold a raw break.
                var checkedText = f.Name.EndsWith(".yaml", StringComparison.Ordinal) ? f.Text
                    : string.Join("\n", f.Text.Split('\n').Where(l => l.StartsWith('#')));
                Assert.DoesNotContain(checkedText, c => c is '\u2028' or '\u2029' or '\u0085');
                if (f.Name.EndsWith(".yaml", StringComparison.Ordinal))
                    Assert.DoesNotContain("extra", SimpleYaml.Read(f.Text, out _)!.Keys);
            }
        var vllm = LaunchCommand.Parse(File(Export("vllm", Request() with { Model = model }), "vllm.sh"), EngineSpec.Load("vllm"));
        Assert.All(vllm, c => Assert.Equal(new[] { model }, c.Positional));
        var yaml = SimpleYaml.Read(File(Export("dynamo", Request() with { Model = model }), DynamoExport.FileName), out _)!;
        Assert.Equal(new[] { "--model", model }, yaml["spec.services.worker.extraPodSpec.mainContainer.args"].Take(2));
    }

    /// <summary>Every data file names its engine's version, documentation and the sources it was read from.</summary>
    [Fact]
    public void Every_data_file_names_its_source_and_version()
    {
        foreach (var name in EngineSpec.Names)
        {
            var spec = EngineSpec.Load(name);
            Assert.Equal(name, spec.Engine);
            Assert.Contains("commit", spec.Version);
            Assert.StartsWith("https://", spec.Docs);
            Assert.NotEmpty(spec.Sources);
            Assert.Contains(spec.Sources, s => s.StartsWith("https://github.com/", StringComparison.Ordinal));
        }
    }
}
