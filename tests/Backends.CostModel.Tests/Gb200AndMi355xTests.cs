using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The rack-scale GB200 (one GPU of an NVL72 rack: a 72-GPU NVLink domain of 4-GPU hosts) and the CDNA 4 MI355X
/// (native FP4 and FP8) as the catalog declares them, and what the cost model makes of them, checked against bounds
/// computed by hand from their datasheet figures (the roofline: bytes over peak bandwidth, FLOPs over peak math).</summary>
public class Gb200AndMi355xTests
{
    private static readonly Device Gb200 = Models.Catalog.Find("gb200")!;
    private static readonly Device Mi355x = Models.Catalog.Find("mi355x")!;

    [Fact]
    public void The_catalog_declares_gb200_from_its_sources_and_measurements()
    {
        Assert.Equal(186.0 * (1L << 30), Gb200.MemoryBytes);
        Assert.Equal(8000e9, Gb200.HbmBytesPerSecond);
        Assert.Equal(new double?[] { 2500e12, 5000e12, 10000e12 }, new[] { Gb200.Peak(MathType.Bf16), Gb200.Peak(MathType.Fp8), Gb200.Peak(MathType.Fp4) });
        Assert.Null(Gb200.Peak(MathType.Int4));
        // The node the collectives stay inside is the rack's NVLink domain; a host is a 4-GPU compute tray.
        Assert.Equal((72, 4), (Gb200.GpusPerNode, Gb200.GpusPerHost));
        Assert.Equal((900e9, 100e9), (Gb200.IntraNode.BytesPerSecond, Gb200.Network.BytesPerSecond));
        // Its own measurements (AIConfigurator's GB200 tables through tools/KernelFit), not the typical fallback.
        Assert.Equal(new double?[] { 0.563, 0.451, 0.393 }, new[] { MathType.Bf16, MathType.Fp8, MathType.Fp4 }.Select(Gb200.GemmFractionFor));
        Assert.Equal(0.778, Gb200.HbmFraction);
        Assert.Equal(37.1e-6, Gb200.FixedLatencyFor("moe", MathType.Fp4)!.Value, 12);
        Assert.Equal(5.1e-6, Gb200.FixedLatencyFor("gemm", MathType.Fp4, "sglang")!.Value, 12);
        Assert.Equal(568e-12, Gb200.KSecondsFor("gemm", MathType.Fp4, "sglang")!.Value, 15);
        Assert.Equal(new[] { 4 }, Gb200.AllReduce["nccl"].Keys);
        Assert.Equal(new[] { 2, 4 }, Gb200.AllReduce["trtllm"].Keys.OrderBy(k => k));
    }

    /// <summary>README's table of input limits and HardwareCatalog.MaxFileBytes say the built-in catalog is under 256 KiB
    /// (about 130 KB with GB200's measured curves and row terms); a user file may be 64 times that.</summary>
    [Fact]
    public void The_built_in_catalog_is_as_large_as_its_documentation_says()
    {
        using var stream = typeof(HardwareCatalog).Assembly.GetManifestResourceStream("hardware.json")!;
        Assert.InRange(stream.Length, 100_000, 256 * 1024);
        Assert.Equal(64 * 256 * 1024, HardwareCatalog.MaxFileBytes);
    }

    [Fact]
    public void The_catalog_declares_mi355x_with_native_fp4_and_typical_measurements()
    {
        Assert.Equal(288.0 * (1L << 30), Mi355x.MemoryBytes);
        Assert.Equal(8000e9, Mi355x.HbmBytesPerSecond);
        Assert.Equal(new double?[] { 2516.6e12, 5033.2e12, 10066e12 }, new[] { Mi355x.Peak(MathType.Bf16), Mi355x.Peak(MathType.Fp8), Mi355x.Peak(MathType.Fp4) });
        Assert.Null(Mi355x.Peak(MathType.Tf32));   // AMD publishes no TF32 figure
        Assert.Equal((8, 8), (Mi355x.GpusPerNode, Mi355x.GpusPerHost));
        Assert.Equal((535.5e9, 76.5e9), (Mi355x.IntraNode.BytesPerSecond, Mi355x.IntraNode.PeerBytesPerSecond));
        // Only BF16 was measured (MAMF); FP8, FP4 and weight streaming take the catalog's typical figures, and no kernel
        // latency or collective curve exists.
        Assert.Equal(new double?[] { 0.622, 0.519, 0.411 }, new[] { MathType.Bf16, MathType.Fp8, MathType.Fp4 }.Select(Mi355x.GemmFractionFor));
        Assert.Equal(0.82, Mi355x.HbmFraction);
        Assert.Null(Mi355x.FixedLatencyFor("gemm", MathType.Bf16));
        Assert.Empty(Mi355x.AllReduce);
    }

    [Theory]
    [InlineData("gb200", 1, 72, 18)]   // one NVL72 rack: 18 compute trays of 4
    [InlineData("gb200", 1, 8, 2)]
    [InlineData("gb200", 1, 6, 2)]     // split evenly: 2 hosts of 3
    [InlineData("gb200", 2, 72, 36)]
    [InlineData("h100-sxm", 2, 8, 2)]  // an HGX node is one host
    [InlineData("mi355x", 1, 8, 1)]
    public void Hosts_split_each_node_into_the_devices_hosts(string device, int nodes, int perNode, int hosts) =>
        Assert.Equal(hosts, new Cluster(Models.Catalog.Find(device)!, nodes, perNode).Hosts);

    /// <summary>A device whose GPUs per host were never set (0) has hosts the size of its node, one rule for the listing and
    /// the cluster alike: a 16-GPU node of 8-GPU h100-sxm hosts (GD0812's case) spans 2 hosts, as the catalog's device does,
    /// not one host the size of the cluster's node.</summary>
    [Fact]
    public void Gpus_per_host_never_set_is_the_devices_node_for_the_cluster_too()
    {
        var listed = Models.Catalog.Find("h100-sxm")!;
        var unset = listed with { GpusPerHost = 0 };
        Assert.Equal(8, unset.GpusPerHost);
        Assert.Equal(2, new Cluster(listed, 1, 16).Hosts);
        Assert.Equal(2, new Cluster(unset, 1, 16).Hosts);
        Assert.Equal(1, new Cluster(unset, 1, 4).Hosts);
    }

    /// <summary>gpus_per_host in a user's hardware file: absent, a host is the node; more than the node holds is the node;
    /// anything but a positive integer names the field.</summary>
    [Theory]
    [InlineData("", 8)]
    [InlineData(", \"gpus_per_host\": 2", 2)]
    [InlineData(", \"gpus_per_host\": 16", 8)]
    [InlineData(", \"gpus_per_host\": 0", -1)]
    [InlineData(", \"gpus_per_host\": \"4\"", -1)]
    public void Gpus_per_host_is_read_and_checked(string field, int expected)
    {
        var json = "{\"devices\": [{\"id\": \"x\", \"memory_bytes\": 1e10, \"hbm_bandwidth_gbps\": 1000, \"peak_tflops\": {\"bf16\": 100}, "
            + "\"intra_node\": {\"unidirectional_gbps\": 100}, \"gpus_per_node\": 8" + field + "}]}";
        var catalog = new HardwareCatalog();
        void Add() => catalog.Add(new System.IO.MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "x.json");
        if (expected < 0)
            Assert.Equal("x.json: devices[0] ('x'): missing or invalid 'gpus_per_host (an integer >= 1)'", Assert.Throws<HardwareFileException>(Add).Message);
        else
        {
            Add();
            Assert.Equal(expected, catalog.Find("x")!.GpusPerHost);
        }
    }

    /// <summary>DeepSeek-V3 in NVFP4 on one NVL72 rack with expert parallelism 72 (32 redundant slots make 288): the
    /// expert all-to-all stays on NVLink. Its time is exactly the link model's: per call the profile's latency, plus the
    /// bytes each GPU moves over eta_link x 900 GB/s; the NIC at its full 100 GB/s could not carry them in that time.
    /// Counting the 4-GPU trays as nodes instead (18 nodes) sends the bytes bound for other trays over the NIC.</summary>
    [Fact]
    public void Expert_parallelism_over_an_nvl72_rack_stays_on_nvlink()
    {
        var profile = EfficiencyProfile.Find("default")!;
        var layout = new ParallelLayout(1, 72, 72) { Redundant = 32 };
        Assert.Equal((72, 1), new Collectives(new Cluster(Gb200, 1, 72), profile, layout).Span(72, "ep"));
        var dep = new Deployment(layout, Weights: "nvfp4");
        var workload = new Workload(72 * 16, 2048, 4096);
        var rack = Models.Predictor("deepseek-v3", "gb200", dep, profile, nodes: 1).Predict(workload);
        var trays = Models.Predictor("deepseek-v3", "gb200", dep, profile, nodes: 18).Predict(workload);
        Assert.True(rack.Feasible, string.Join("; ", rack.Reasons));
        Assert.Empty(rack.Emulated);

        var a2a = Assert.Single(rack.DecodeOps, o => o.Op == "comm.all_to_all");
        Assert.Equal(116, a2a.Count);   // dispatch and combine in each of the 58 MoE layers
        double nvlinkMs = (a2a.Count * profile.CollectiveSeconds + a2a.Bytes / (profile.EtaLink * 900e9)) * 1e3;
        Assert.Equal(nvlinkMs, a2a.MillisecondsPerStep, 6);
        Assert.True(a2a.MillisecondsPerStep < a2a.Bytes / 100e9 * 1e3, $"{a2a.MillisecondsPerStep} ms is below the NIC's floor {a2a.Bytes / 100e9 * 1e3} ms");
        var overNic = Assert.Single(trays.DecodeOps, o => o.Op == "comm.all_to_all");
        Assert.True(overNic.MillisecondsPerStep > 3 * a2a.MillisecondsPerStep, $"trays as nodes {overNic.MillisecondsPerStep} ms against {a2a.MillisecondsPerStep} ms");
        Assert.True(trays.TpotMs > rack.TpotMs);
    }

    /// <summary>Llama-3-70B in MXFP4 on one GPU: the MI355X computes FP4 natively, the MI300X dequantizes it to FP8. Hand
    /// bounds from the reported FLOPs and bytes: a decode step is at least its bytes over the 8 TB/s peak and at most twice
    /// that; the MI355X's whole prefill is shorter than its FLOPs at FP8's best measured rate (P_fp8 x f_fp8), the floor it
    /// would have if FP4 were emulated, while the MI300X's is longer than its FLOPs at its own FP8 rate.</summary>
    [Fact]
    public void Fp4_is_native_on_mi355x_and_emulated_on_mi300x()
    {
        var dep = new Deployment(new ParallelLayout(1), Weights: "mxfp4");
        var workload = new Workload(1, 4096, 4096);
        var mi355x = Models.Predictor("llama-3-70b", "mi355x", dep).Predict(workload);
        var mi300x = Models.Predictor("llama-3-70b", "mi300x", dep).Predict(workload);
        Assert.Empty(mi355x.Emulated);
        Assert.Equal("fp4 weights emulated in fp8 (no fp4 math on mi300x: dequantized)", Assert.Single(mi300x.Emulated));

        // 70.6e9 parameters at 4.25 bits (MXFP4: one 8-bit scale per 32) = 37.5 GB, plus the KV cache and 16-bit embeddings.
        double bytes = mi355x.DecodeOps.Sum(o => o.Bytes);
        Assert.InRange(bytes, 37e9, 43e9);
        Assert.InRange(mi355x.TpotMs, bytes / 8000e9 * 1e3, 2 * bytes / 8000e9 * 1e3);

        double flops = mi355x.PrefillOps.Sum(o => o.Flops);
        Assert.InRange(flops, 2 * 70e9 * 4096, 2 * 72e9 * 4096 * 1.2);   // 2 x params x tokens, plus attention
        Assert.InRange(mi355x.TtftMs, flops / 10066e12 * 1e3, flops / (5033.2e12 * 0.519) * 1e3);
        Assert.True(mi300x.TtftMs > flops / (2614.9e12 * 0.378) * 1e3, $"mi300x prefill {mi300x.TtftMs} ms");
    }
}
