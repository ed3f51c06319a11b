using System.IO;

namespace GraphDsl.TestSupport;

/// <summary>Paths inside the repository, found from the test binary's location.</summary>
public static class Repo
{
    public static string Root => Snapshot.RepoRoot() ?? throw new DirectoryNotFoundException("GraphDsl.sln not found above the test binaries");
    public static string Samples => Path.Combine(Root, "samples");
    public static string Sample(string name) => Path.Combine(Samples, name + ".moe");

    /// <summary>The real-model samples the issues name (not the tiny ones, nor the measurement models).</summary>
    public static readonly string[] RealModels =
    {
        "llama-3-8b", "llama-3-70b", "llama-2-70b", "mixtral-8x7b", "mixtral-8x22b", "deepseek-v3",
        "qwen3-235b-a22b", "qwen3-30b-a3b", "grok-1", "switch-c-2048", "gpt-oss-120b",
    };

    public static readonly string[] TinyModels = { "tiny-dense", "tiny-moe" };

    /// <summary>Tiny hybrids (linear-attention or state-space layers beside attention): run by the reference and ILGPU;
    /// the ONNX export has no operator for their recurrent ops.</summary>
    public static readonly string[] HybridModels = { "tiny-hybrid" };

    /// <summary>Real models added for the cost model's validation against published measurements.</summary>
    public static readonly string[] MeasurementModels = { "llama-2-7b", "llama-3.1-405b", "gpt-j-6b", "gpt-13b" };
}
