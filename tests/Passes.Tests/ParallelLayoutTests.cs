using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>The one parallel-layout type: as a parallelize element it parses back to itself, its text is the one
/// reports print, and a module the pass parallelized records it (tp, ep, dp, pp) for the cost model to read back.</summary>
public class ParallelLayoutTests
{
    public static TheoryData<ParallelLayout, string> Layouts => new()
    {
        { new ParallelLayout(), "tp=1 ep=1 dp=1 pp=1" },
        { new ParallelLayout(8, Pp: 2), "tp=8 ep=1 dp=1 pp=2" },
        { new ParallelLayout(2, 4, 4) { Redundant = 8, MoeComm = MoeCommunication.AllGather }, "tp=2 ep=4 dp=4 pp=1 redundant=8 moe_comm=all_gather" },
        { new ParallelLayout(1, 8, 8) { MoeComm = MoeCommunication.AllToAll }, "tp=1 ep=8 dp=8 pp=1 moe_comm=all_to_all" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_layout_round_trips_through_its_parallelize_element(ParallelLayout layout, string text)
    {
        Assert.Equal(text, layout.ToString());
        var element = layout.ToElement();
        var parsed = Pipeline.Parse(element.ToString(), new DiagnosticBag());
        Assert.NotNull(parsed);
        Assert.Equal(layout, ParallelLayout.Bind(Assert.Single(parsed!.Elements).Options));
    }

    [Fact]
    public void A_parallelized_module_records_its_layout()
    {
        var module = Compiler.CompileFile(Repo.Sample("tiny-moe")).Module!;
        var run = new PassManager(Pipeline.Parse("inline,canonicalize,parallelize{tp=2,ep=4,dp=2,redundant=4}", new DiagnosticBag())!).Run(module);
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        // The module's attributes hold tp, ep, dp and pp; redundant slots live on each moe.experts op instead.
        Assert.Equal(new ParallelLayout(2, 4, 2), ParallelLayout.Of(run.Module!));
        Assert.Equal(new ParallelLayout(), ParallelLayout.Of(module));
    }
}
