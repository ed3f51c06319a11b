using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;
using GraphDsl.Ir.Ops;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>Each op kind the exporter lowers, alone in a module, on the reference interpreter and on ONNX
/// Runtime: every output of every step within the case's tolerance (<see cref="OpCases"/>).</summary>
public sealed class OpOracleTests
{
    private readonly ITestOutputHelper _output;

    public OpOracleTests(ITestOutputHelper output) { _output = output; }

    public static IEnumerable<object[]> Cases => OpCases.All.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_agrees_with_onnx_runtime(string op)
    {
        var c = OpCases.All.Single(x => x.Name == op);
        var module = c.Module();
        using var run = new OracleRun(module, OpCase.Weights(module));
        for (int step = 0; step < c.Steps.Length; step++)
            foreach (var (name, (reference, onnx)) in run.Step(c.Inputs(module, step)).OrderBy(kv => kv.Key, System.StringComparer.Ordinal))
            {
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step} {name}: max |difference| / scale = {Tolerance.ErrorOfScale(reference, onnx):E2}"));
                c.Tolerance.AssertClose($"{op}, step {step} ({c.Steps[step]} tokens), output {name}", reference, onnx);
            }
    }

    [Fact]
    public void Every_lowered_op_has_a_case()
    {
        var covered = OpCases.All.SelectMany(c => c.Module().WalkAll().Select(o => o.Def.Name)).ToHashSet();
        var missing = OpLowerings.Lowered.Select(d => d.Name).Where(n => !covered.Contains(n)).ToArray();
        Assert.True(missing.Length == 0, "ops the exporter lowers without an oracle case: " + string.Join(", ", missing));
    }
}
