namespace GraphDsl.Import.Tests;

/// <summary>Importing the config of a model that has a hand-written sample gives the sample's parameters and KV cache.</summary>
public class SampleParityTests
{
    [Theory]
    [InlineData("Meta-Llama-3-8B", "llama-3-8b")]
    [InlineData("Meta-Llama-3-70B", "llama-3-70b")]
    [InlineData("Mixtral-8x7B-v0.1", "mixtral-8x7b")]
    [InlineData("DeepSeek-V3", "deepseek-v3")]
    [InlineData("Qwen3-30B-A3B", "qwen3-30b-a3b")]
    [InlineData("gpt-oss-120b", "gpt-oss-120b")]
    public void Imported_config_counts_as_the_sample(string fixture, string sample)
    {
        var imported = Fixtures.Stats(fixture);
        var written = Fixtures.SampleStats(sample);
        Assert.Equal(written.TotalParams, imported.TotalParams);
        Assert.Equal(written.ActiveParams, imported.ActiveParams);
        Assert.Equal(written.EmbeddingParams, imported.EmbeddingParams);
        Assert.Equal(written.KvBytesPerToken, imported.KvBytesPerToken);
        Assert.Equal(written.KvWindowedBytes, imported.KvWindowedBytes);
    }

    /// <summary>DeepSeek-V3's MTP module is a part of the imported model, as in the sample, with the same counts.</summary>
    [Fact]
    public void DeepSeek_v3_mtp_part_counts_as_the_sample()
    {
        var imported = Fixtures.Stats("DeepSeek-V3", "DeepSeek_V3Mtp");
        var written = Fixtures.SampleStats("deepseek-v3", "DeepSeekV3Mtp");
        Assert.Equal(written.TotalParams, imported.TotalParams);
        Assert.Equal(written.ActiveParams, imported.ActiveParams);
    }
}
