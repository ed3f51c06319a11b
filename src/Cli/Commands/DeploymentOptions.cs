using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>The hardware, deployment and efficiency options shared by predict, sweep and compare.</summary>
internal sealed class DeploymentOptions
{
    public Option<string> Hardware { get; } = new("--hardware") { Description = "device id, e.g. h100-sxm (see --list-hardware)", Required = true };
    public Option<string[]> HardwareFile { get; } = new("--hardware-file") { Description = "JSON file of extra devices (same format as the built-in catalog)" };
    public Option<int> Gpus { get; } = new("--gpus") { Description = "GPUs in total", DefaultValueFactory = _ => 1 };
    public Option<int> Nodes { get; } = new("--nodes") { Description = "nodes the GPUs are spread over", DefaultValueFactory = _ => 1 };
    public Option<int?> Tp { get; } = new("--tp") { Description = "tensor-parallel GPUs (default: gpus / (dp x pp))" };
    public Option<int> Ep { get; } = new("--ep") { Description = "expert-parallel shards of each MoE layer", DefaultValueFactory = _ => 1 };
    public Option<int> Pp { get; } = new("--pp") { Description = "pipeline stages", DefaultValueFactory = _ => 1 };
    public Option<int> Dp { get; } = new("--dp") { Description = "data-parallel attention replicas", DefaultValueFactory = _ => 1 };
    public Option<string> Weights { get; } = new("--weights") { Description = "weight format: keep, bf16, fp8, int8, int4, mxfp4, nvfp4", DefaultValueFactory = _ => "keep" };
    public Option<string> Kv { get; } = new("--kv") { Description = "KV-cache format: keep, bf16, fp8, int8", DefaultValueFactory = _ => "keep" };
    public Option<string> Profile { get; } = new("--profile") { Description = "efficiency profile: default, roofline, or a calibrated engine", DefaultValueFactory = _ => "default" };
    public Option<double?> RoutingSkew { get; } = CommonOptions.RoutingSkew();

    public DeploymentOptions()
    {
        Weights.AcceptOnlyFromAmong("keep", "bf16", "f16", "fp8", "fp8-e4m3", "fp8-e5m2", "int8", "int4", "mxfp4", "mxfp8", "nvfp4");
        Kv.AcceptOnlyFromAmong("keep", "bf16", "f16", "fp8", "fp8-e4m3", "fp8-e5m2", "int8", "int4");
    }

    public void AddTo(Command c, bool withLayout = true)
    {
        c.Add(Hardware); c.Add(HardwareFile); c.Add(Gpus); c.Add(Nodes);
        if (withLayout) { c.Add(Tp); c.Add(Ep); c.Add(Pp); c.Add(Dp); }
        c.Add(Weights); c.Add(Kv); c.Add(Profile); c.Add(RoutingSkew);
    }

    /// <summary>The cluster, efficiency profile and deployment the options name (each null, with diagnostics, where they are wrong),
    /// with a diagnostic when the deployment does not use exactly the cluster's GPUs.</summary>
    public (Cluster? Cluster, EfficiencyProfile? Efficiency, Deployment? Deployment) Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        var catalog = Catalog(r, diagnostics);
        var device = catalog is null ? null : Device(r, catalog, diagnostics);
        var cluster = device is null ? null : Cluster(r, device, diagnostics);
        var eff = Efficiency(r, diagnostics);
        var dep = cluster is null ? null : Deployment(r, cluster.Gpus, diagnostics);
        if (dep is not null && cluster is not null && Predictor.CheckFits(dep, cluster) is { } mismatch)
            diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, mismatch);
        return (cluster, eff, dep);
    }

    public HardwareCatalog? Catalog(ParseResult r, DiagnosticBag diagnostics)
    {
        var catalog = HardwareCatalog.BuiltIn();
        foreach (var f in r.GetValue(HardwareFile) ?? Array.Empty<string>())
        {
            try { catalog.AddFile(f); }
            catch (Exception e) when (e is HardwareFileException or IOException or UnauthorizedAccessException)
            {
                diagnostics.Report(DiagnosticCatalog.HardwareFile, SourceSpan.None, e.Message);
                return null;
            }
        }
        return catalog;
    }

    public Device? Device(ParseResult r, HardwareCatalog catalog, DiagnosticBag diagnostics, string? id = null)
    {
        id ??= r.GetValue(Hardware)!;
        var d = catalog.Find(id);
        if (d is null)
            diagnostics.Report(DiagnosticCatalog.UnknownHardware, SourceSpan.None, id, catalog.Suggest(id), string.Join(", ", catalog.Devices.Select(x => x.Id).OrderBy(x => x)));
        return d;
    }

    public Cluster? Cluster(ParseResult r, Device device, DiagnosticBag diagnostics)
    {
        int gpus = r.GetValue(Gpus), nodes = r.GetValue(Nodes);
        if (gpus < 1 || nodes < 1 || gpus % nodes != 0)
        {
            diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, $"--gpus ({gpus}) must be a positive multiple of --nodes ({nodes})");
            return null;
        }
        return new Cluster(device, nodes, gpus / nodes);
    }

    public Deployment? Deployment(ParseResult r, int gpus, DiagnosticBag diagnostics)
    {
        int dp = r.GetValue(Dp), pp = r.GetValue(Pp), ep = r.GetValue(Ep);
        int tp = r.GetValue(Tp) ?? Math.Max(1, gpus / Math.Max(1, dp * pp));
        if (tp < 1 || ep < 1 || dp < 1 || pp < 1)
        {
            diagnostics.Report(DiagnosticCatalog.DeploymentMismatch, SourceSpan.None, $"--tp, --ep, --dp and --pp must be at least 1 (got tp={tp}, ep={ep}, dp={dp}, pp={pp})");
            return null;
        }
        return new Deployment(tp, ep, dp, pp, r.GetValue(Weights)!, r.GetValue(Kv)!);
    }

    public EfficiencyProfile? Efficiency(ParseResult r, DiagnosticBag diagnostics)
    {
        var name = r.GetValue(Profile)!;
        var p = EfficiencyProfile.Find(name);
        if (p is null)
            diagnostics.Report(DiagnosticCatalog.UnknownProfile, SourceSpan.None, name, string.Join(", ", EfficiencyProfile.BuiltIn.Select(x => x.Name)));
        return CommonOptions.WithRoutingSkew(p, r.GetValue(RoutingSkew));
    }
}
