using System;
using GraphDsl.Frontend;
using GraphDsl.Ir.Analysis;
using GraphDsl.TestSupport;

namespace GraphDsl.Frontend.Tests.Samples;

/// <summary>
/// `graphdsl stats` must reproduce the parameter counts the model authors publish, within 1%.
/// Published figures are rounded; where an author demonstrably truncates (Qwen: 30.53B -> "30.5B",
/// 3.353B -> "3.3B", 22.19B -> "22B", 235.09B -> "235B") the computed count must lie in the stated
/// figure's last-digit interval instead. Whether the input embedding counts as "active" follows
/// what each source says it counted.
/// </summary>
public class OfficialParameterCountTests
{
    public enum Rounding { Nearest, Truncated }

    public sealed record Official(string Sample, double Total, double? Active, bool ActiveIncludesInputEmbedding, Rounding Rounding, double Unit, string Source);

    public static readonly Official[] Figures =
    {
        new("llama-3-8b", 8e9, null, true, Rounding.Nearest, 1e9, "Meta Llama 3 model card, meta-llama/llama-models models/llama3/MODEL_CARD.md: 8B"),
        new("llama-3-70b", 70e9, null, true, Rounding.Nearest, 1e9, "Meta Llama 3 model card: 70B"),
        new("mixtral-8x7b", 46.7e9, 12.9e9, true, Rounding.Nearest, 0.1e9, "Mistral AI, 'Mixtral of experts' (mistral.ai/news/mixtral-of-experts): 46.7B total, 12.9B used per token"),
        new("mixtral-8x22b", 141e9, 39e9, true, Rounding.Nearest, 1e9, "Mistral AI, 'Cheaper, Better, Faster, Stronger' (mistral.ai/news/mixtral-8x22b): 39B active of 141B"),
        // DeepSeek's README_WEIGHTS.md gives the precise 36.7B; it equals the active count with one of the two 0.93B vocabulary matrices.
        new("deepseek-v3", 671e9, 36.7e9, false, Rounding.Nearest, 0.1e9, "DeepSeek-V3 Technical Report (arXiv 2412.19437): 671B total; github deepseek-ai/DeepSeek-V3 README_WEIGHTS.md: 36.7B activated"),
        new("qwen3-235b-a22b", 235e9, 22e9, true, Rounding.Truncated, 1e9, "Qwen3 Technical Report (arXiv 2505.09388) and model card: 235B total, 22B activated"),
        new("qwen3-30b-a3b", 30.5e9, 3.3e9, true, Rounding.Truncated, 0.1e9, "Qwen/Qwen3-30B-A3B model card: 30.5B total, 3.3B activated"),
        new("grok-1", 314e9, null, true, Rounding.Nearest, 1e9, "github xai-org/grok-1 README.md: 314B parameters (active given only as '25% of the weights')"),
        new("switch-c-2048", 1571e9, null, true, Rounding.Nearest, 1e9, "Switch Transformers (arXiv 2101.03961), Table 9: Switch-C 1571B parameters"),
        new("gpt-oss-120b", 116.83e9, 5.13e9, false, Rounding.Nearest, 0.01e9, "gpt-oss model card (arXiv 2508.10925): 116.83B total, 5.13B active (unembedding counted, input embedding not)"),
    };

    public static TheoryData<string> Samples()
    {
        var d = new TheoryData<string>();
        foreach (var f in Figures) d.Add(f.Sample);
        return d;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Counts_match_the_published_figures(string sample)
    {
        var f = Array.Find(Figures, x => x.Sample == sample)!;
        var stats = StatsOf(sample);
        AssertMatches(stats.TotalParams, f.Total, f, "total");
        if (f.Active is { } active)
            AssertMatches(f.ActiveIncludesInputEmbedding ? stats.ActiveParams : stats.ActiveParamsExcludingEmbedding, active, f, "active");
        else if (stats.ActiveParams < stats.TotalParams)
            Assert.InRange(stats.ActiveParams, 1e-4 * stats.TotalParams, 0.5 * stats.TotalParams);
    }

    /// <summary>Llama 2 70B is published only as the size label "70B"; its configuration gives
    /// 68,976,648,192 parameters (1.5% below the label), as the reference count in models.json
    /// (computed independently from the same fields) also finds.</summary>
    [Fact]
    public void Llama_2_70b_matches_its_configuration_and_its_size_label()
    {
        var stats = StatsOf("llama-2-70b");
        Assert.Equal(68_976_648_192, stats.TotalParams);
        Assert.InRange(stats.TotalParams / 70e9, 0.98, 1.02);
    }

    /// <summary>DeepSeek-V3's multi-token-prediction module, the sample's part DeepSeekV3Mtp. README_WEIGHTS.md
    /// (deepseek-ai/DeepSeek-V3): "11.5B unique parameters (excluding the shared 0.9B Embedding and 0.9B output
    /// Head)", "Activation parameters: 1.5B (including 0.9B for the output Head)". Those figures count the extra
    /// transformer layer and the head (11.27B routed experts + 0.19B attention + 0.04B shared expert = 11.50B;
    /// 0.19B + 9 x 44M + 0.93B = 1.51B), not eh_proj (2d x d = 0.10B by config.json), which is added here.</summary>
    [Fact]
    public void DeepSeek_v3_mtp_module_matches_its_published_figures()
    {
        var result = Compiler.CompileFile(Repo.Sample("deepseek-v3"), "DeepSeekV3Mtp");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var stats = ModelStats.Compute(result.Module!);
        const double d = 7168, vocab = 129280, ehProj = 2 * d * d, embedding = vocab * d, head = vocab * d;
        Assert.InRange((stats.TotalParams - embedding - head - ehProj) / 11.5e9, 0.99, 1.01);
        Assert.InRange((stats.ActiveParamsExcludingEmbedding - ehProj) / 1.5e9, 0.99, 1.01);
        // The main model's figures stay those of the model without the module (671B); the checkpoint's 685B holds
        // both, the module with its own copies of the embedding and head (README: "671B ... and 14B of the MTP Module").
        Assert.InRange((StatsOf("deepseek-v3").TotalParams + stats.TotalParams) / 685e9, 0.995, 1.005);
    }

    [Fact]
    public void Dense_models_activate_every_parameter()
    {
        foreach (var s in new[] { "llama-3-8b", "llama-3-70b", "llama-2-70b", "tiny-dense" })
        {
            var stats = StatsOf(s);
            Assert.Equal(stats.TotalParams, stats.ActiveParams);
        }
    }

    private static void AssertMatches(double computed, double official, Official f, string what)
    {
        bool ok = f.Rounding == Rounding.Truncated
            ? computed >= official && computed < official + f.Unit
            : Math.Abs(computed / official - 1) <= 0.01;
        Assert.True(ok, $"{f.Sample} {what}: computed {computed:N0} vs published {official:N0} ({(computed / official - 1) * 100:F2}%, {f.Rounding}); source: {f.Source}");
    }

    internal static ModelStats StatsOf(string sample)
    {
        var result = Compiler.CompileFile(Repo.Sample(sample));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return ModelStats.Compute(result.Module!);
    }
}
