using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The hardware, deployment and efficiency options of predict, sweep and compare, declared once. Layout and format
/// values are text: one value for predict and compare, a comma-separated list for sweep (<see cref="Lists"/>). Each
/// layout or format flag sets one option of the parallelize or quantize pass (<see cref="PassKeys"/>), and is checked
/// against that option's declaration, so the flags accept what the passes accept.
/// </summary>
internal sealed class DeploymentOptions
{
    public DeploymentOptions(bool lists = false)
    {
        Lists = lists;
        string Many(string text) => lists ? text + ", comma-separated" : text;
        Hardware = HardwareLookup.WithDeviceCompletions(new Option<string>("--hardware") { Description = Many("device id, e.g. h100-sxm (graphdsl hardware lists them)"), Required = true });
        Gpus = new("--gpus") { Description = Many("GPUs in total"), DefaultValueFactory = _ => "1" };
        Tp = new("--tp") { Description = Many("tensor-parallel GPUs (default: gpus / (dp x pp))") };
        Ep = new("--ep") { Description = Many("expert-parallel shards of each MoE layer"), DefaultValueFactory = _ => "1" };
        Dp = new("--dp") { Description = Many("data-parallel attention replicas"), DefaultValueFactory = _ => "1" };
        Pp = new("--pp") { Description = Many("pipeline stages"), DefaultValueFactory = _ => "1" };
        RedundantExperts = new("--redundant-experts")
        {
            Description = Many("redundant expert slots per MoE layer, replicas of popular experts (ep must divide experts + N)"), DefaultValueFactory = _ => "0",
        };
        MoeComm = new("--moe-comm") { Description = Many("how data-parallel attention reaches the experts: auto, all_to_all or all_gather (default: the profile's)") };
        Weights = FormatOption("--weights", Many("weight format: " + NumericFormat.ListFor(FormatRoles.Weights, keep: true)));
        Kv = FormatOption("--kv", Many("KV-cache format: " + NumericFormat.ListFor(FormatRoles.Kv, keep: true)));
        PassKeys = new[]
        {
            new PassKey(Tp, "parallelize", "tp"), new PassKey(Ep, "parallelize", "ep"), new PassKey(Dp, "parallelize", "dp"),
            new PassKey(Pp, "parallelize", "pp"), new PassKey(RedundantExperts, "parallelize", "redundant"), new PassKey(MoeComm, "parallelize", "moe_comm"),
            new PassKey(Weights, "quantize", "weights"), new PassKey(Kv, "quantize", "kv"),
        };
    }

    /// <summary>A format flag, keep by default; <see cref="PassKeys"/> checks its values against the quantize option it sets.</summary>
    private static Option<string> FormatOption(string name, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => NumericFormat.Keep };

    /// <summary>Whether layout, format, hardware and GPU values are lists (sweep).</summary>
    public bool Lists { get; }
    public Option<string> Hardware { get; }
    public Option<string[]> HardwareFile { get; } = new("--hardware-file") { Description = "JSON file of extra devices (same format as the built-in catalog)" };
    public Option<string> Gpus { get; }
    public Option<int?> Nodes { get; } = new("--nodes") { Description = "nodes the GPUs are spread over (default: ceil(gpus / the device's GPUs per node))" };
    public Option<string> Tp { get; }
    public Option<string> Ep { get; }
    public Option<string> Dp { get; }
    public Option<string> Pp { get; }
    public Option<string> RedundantExperts { get; }
    public Option<string> MoeComm { get; }
    public Option<string> Weights { get; }
    public Option<string> Kv { get; }
    public Option<string> Profile { get; } = new("--profile") { Description = "efficiency profile: default, roofline, or a calibrated engine", DefaultValueFactory = _ => "default" };
    public Option<string?> Engine { get; } = new Option<string?>("--engine")
    {
        Description = "serving engine whose measured kernels, collectives and constants to use: trtllm, vllm or sglang (on CUDA, or vllm/sglang on ROCm); instead of --profile",
    }.AcceptOnlyFromAmong(Engines);

    /// <summary>The engines --engine names.</summary>
    public static readonly string[] Engines = { "trtllm", "vllm", "sglang" };
    public Option<double?> RoutingSkew { get; } = CommonOptions.RoutingSkew();
    /// <summary>Whether decode replays CUDA/HIP graphs (on, every engine's default) or the host dispatches each kernel (off:
    /// vLLM --enforce-eager, SGLang --disable-cuda-graph); see <see cref="EfficiencyProfile.CudaGraphs"/>.</summary>
    public Option<string> CudaGraphs { get; } = new Option<string>("--cuda-graphs")
    {
        Description = "on: decode replays CUDA/HIP graphs (the engines' default); off: eager, the host dispatches each kernel (vLLM --enforce-eager, SGLang --disable-cuda-graph)",
        DefaultValueFactory = _ => "on",
    }.AcceptOnlyFromAmong("on", "off");

    /// <summary>Each layout and format flag with the pass option it sets.</summary>
    public IReadOnlyList<PassKey> PassKeys { get; }

    public void AddTo(Command c)
    {
        c.Add(Hardware); c.Add(HardwareFile); c.Add(Gpus); c.Add(Nodes);
        foreach (var k in PassKeys) c.Add(k.Flag);
        c.Add(Profile); c.Add(Engine); c.Add(RoutingSkew); c.Add(CudaGraphs);
    }

    /// <summary>The values of the layout and format flags given on the command line, checked against their pass
    /// options (flags left out are absent: the pipeline or the defaults decide them).</summary>
    public Dictionary<PassKey, string[]> GivenPassValues(ParseResult r, DiagnosticBag diagnostics, DiagnosticDescriptor descriptor)
    {
        var given = new Dictionary<PassKey, string[]>();
        foreach (var k in PassKeys)
        {
            if (r.GetResult(k.Flag) is not { Implicit: false }) continue;
            var values = Values(r.GetValue(k.Flag) ?? "", k.Flag.Name, diagnostics, descriptor, v => k.Check(v));
            if (values is not null) given[k] = values;
        }
        return given;
    }

    /// <summary>GPU counts (positive integers).</summary>
    public int[] GpuCounts(ParseResult r, DiagnosticBag diagnostics, DiagnosticDescriptor descriptor) =>
        (Values(r.GetValue(Gpus) ?? "", Gpus.Name, diagnostics, descriptor, v => PassKey.CheckInt(v, 1)) ?? Array.Empty<string>()).Select(int.Parse).ToArray();

    /// <summary>The comma-separated values of a flag, each checked (null when the check returns why not), or null after
    /// reporting; one value unless <see cref="Lists"/>. A value given twice (<c>--gpus 1,1,1</c>, or <c>2,02</c>) is kept
    /// once, in its first place: sweep printed one identical row per repetition.</summary>
    public string[]? Values(string text, string flag, DiagnosticBag diagnostics, DiagnosticDescriptor descriptor, Func<string, string?> check)
    {
        var values = text.Split(',', StringSplitOptions.TrimEntries);
        if (!Lists && values.Length > 1)
        {
            diagnostics.Report(descriptor, SourceSpan.None, $"{flag} takes one value here, found '{text}' (sweep takes lists)");
            return null;
        }
        bool ok = true;
        foreach (var v in values)
            if (check(v) is { } why) { diagnostics.Report(descriptor, SourceSpan.None, $"{flag}: {why}"); ok = false; }
        return ok ? values.Select(PassKey.Normalize).Distinct(StringComparer.Ordinal).ToArray() : null;
    }

    /// <summary>The cluster and efficiency profile of a one-device command (predict, compare); nulls after reporting.</summary>
    public (ClusterChoice? Cluster, EfficiencyProfile? Efficiency) ResolveCluster(ParseResult r, DiagnosticBag diagnostics)
    {
        var catalog = Catalog(r, diagnostics);
        var device = catalog is null ? null : Devices(r, catalog, diagnostics).FirstOrDefault();
        var gpus = GpuCounts(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var cluster = device is null || gpus.Length == 0 ? null : ClusterChoice.For(device, gpus[0], r.GetValue(Nodes), diagnostics);
        return (cluster, Efficiency(r, diagnostics, device));
    }

    /// <summary>The one deployment the flags (<paramref name="given"/>) and the user's pipeline ask for on the cluster
    /// (<see cref="DeploymentChoices"/>); null after reporting a conflict or a layout that does not use exactly the
    /// cluster's GPUs.</summary>
    public Deployment? ResolveDeployment(IReadOnlyDictionary<PassKey, string[]> given, Pipeline user, Cluster cluster, EfficiencyProfile eff, DiagnosticBag diagnostics,
        IReadOnlyList<PassKey>? keys = null)
    {
        var choices = DeploymentChoices.Merge(keys ?? PassKeys, given, user, diagnostics);
        if (choices is null) return null;
        var dep = choices.All(cluster.Gpus, eff.MoeComm).Single();
        if (Predictor.CheckFits(dep, cluster) is { } mismatch)
        {
            diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, mismatch);
            return null;
        }
        return dep;
    }

    /// <summary>The files these options read (each --hardware-file), for <see cref="DistinctOutputs.Check"/>.</summary>
    public IEnumerable<(string Option, string? Path)> InputFiles(ParseResult r) =>
        (r.GetValue(HardwareFile) ?? Array.Empty<string>()).Select(f => (HardwareFile.Name, (string?)f));

    public HardwareCatalog? Catalog(ParseResult r, DiagnosticBag diagnostics) =>
        HardwareLookup.Catalog(r.GetValue(HardwareFile) ?? Array.Empty<string>(), diagnostics);

    /// <summary>The devices --hardware names (one unless <see cref="Lists"/>); unknown ones are reported.</summary>
    public List<Device> Devices(ParseResult r, HardwareCatalog catalog, DiagnosticBag diagnostics)
    {
        var devices = new List<Device>();
        var ids = Values(r.GetValue(Hardware)!, Hardware.Name, diagnostics, DiagnosticCatalog.InvalidOption, v => v.Length == 0 ? "an empty device id" : null);
        foreach (var id in ids ?? Array.Empty<string>())
            if (HardwareLookup.Find(catalog, id, diagnostics) is { } d && !devices.Contains(d)) devices.Add(d);  // ids ignore case: h100-sxm,H100-SXM is one device
        return devices;
    }

    /// <summary>The efficiency profile on <paramref name="device"/>: --engine's profile for the device's vendor
    /// (<see cref="EfficiencyProfile.ForEngine"/>), or --profile's, with --routing-skew and --cuda-graphs applied; null after reporting an unknown profile, both flags,
    /// or an engine that does not run on the device.</summary>
    public EfficiencyProfile? Efficiency(ParseResult r, DiagnosticBag diagnostics, Device? device)
    {
        EfficiencyProfile? p;
        if (r.GetValue(Engine) is { } engine)
        {
            if (r.GetResult(Profile) is { Implicit: false })
            {
                diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None,
                    $"--engine {engine} and --profile {r.GetValue(Profile)} both choose the efficiency profile; give one");
                return null;
            }
            if (engine == "trtllm" && string.Equals(device?.Vendor, "amd", StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None,
                    $"--engine trtllm: TensorRT-LLM runs on NVIDIA GPUs only, and {device!.Id} is an AMD GPU; use --engine vllm or sglang");
                return null;
            }
            p = EfficiencyProfile.ForEngine(engine, device);
        }
        else
        {
            var name = r.GetValue(Profile)!;
            p = EfficiencyProfile.Find(name);
            if (p is null)
                diagnostics.Report(DiagnosticCatalog.UnknownProfile, SourceSpan.None, name, string.Join(", ", EfficiencyProfile.BuiltIn.Select(x => x.Name)));
        }
        p = CommonOptions.WithRoutingSkew(p, r.GetValue(RoutingSkew));
        return p is null || r.GetValue(CudaGraphs) != "off" ? p : p with { CudaGraphs = false };
    }
}
