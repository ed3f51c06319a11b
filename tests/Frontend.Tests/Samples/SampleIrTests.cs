using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;
using static GraphDsl.Tests.Shared.SampleModules;

namespace GraphDsl.Frontend.Tests.Samples;

/// <summary>Every sample compiles to verified IR, round-trips through the textual form, and its IR
/// after the frontend and after the canonical pipelines is snapshot-tested (the deployment passes over the
/// samples are tested in Passes.Tests, SamplePipelineTests).</summary>
public class SampleIrTests
{
    private static System.Collections.Generic.IEnumerable<string> SampleNames =>
        Repo.RealModels.Concat(Repo.MeasurementModels).Concat(Repo.TinyModels).Concat(Repo.HybridModels);

    public static TheoryData<string> AllSamples()
    {
        var d = new TheoryData<string>();
        foreach (var s in SampleNames) d.Add(s);
        return d;
    }


    /// <summary>A sample added to samples/ without joining a list in <see cref="Repo"/> would escape these snapshots.</summary>
    [Fact]
    public void Every_sample_file_is_in_the_snapshot_set()
    {
        var files = System.IO.Directory.GetFiles(Repo.Samples, "*.moe").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)!);
        Assert.Equal(files.OrderBy(f => f, System.StringComparer.Ordinal), SampleNames.OrderBy(f => f, System.StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Frontend_ir(string sample)
    {
        var m = Compile(sample);
        Assert.Empty(Verifier.Verify(m));
        Snapshot.Verify(IrPrinter.Print(m), sample);
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void After_canonicalize(string sample) =>
        Snapshot.Verify(IrPrinter.Print(Run(Compile(sample), "canonicalize")), sample);

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void After_inline_and_canonicalize(string sample) =>
        Snapshot.Verify(IrPrinter.Print(Run(Compile(sample), "inline,canonicalize")), sample);

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Printed_ir_parses_back_to_the_same_text(string sample)
    {
        foreach (var m in new[] { Compile(sample), Run(Compile(sample), "inline,canonicalize") })
        {
            var text = IrPrinter.Print(m);
            var reparsed = IrParser.Parse(text, sample + ".gir");
            Assert.Empty(Verifier.Verify(reparsed));
            Assert.Equal(text, IrPrinter.Print(reparsed));
        }
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Inlining_and_canonicalizing_keep_the_model_facts(string sample)
    {
        var before = ModelStats.Compute(Compile(sample));
        var after = ModelStats.Compute(Run(Compile(sample), "inline,canonicalize"));
        Assert.Equal(before.TotalParams, after.TotalParams);
        Assert.Equal(before.ActiveParams, after.ActiveParams);
        Assert.Equal(before.KvBytesPerToken, after.KvBytesPerToken);
        Assert.Equal(before.PrefillFlopsPerToken, after.PrefillFlopsPerToken, 6);
        Assert.Equal(before.DecodeFlopsPerToken, after.DecodeFlopsPerToken, 6);
    }
}
