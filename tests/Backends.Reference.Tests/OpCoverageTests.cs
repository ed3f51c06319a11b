using System.Linq;
using GraphDsl.Backends.Reference.Kernels;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>The reference must define every op a .moe file can call, and the core ops.</summary>
public class OpCoverageTests
{
    [Fact]
    public void Every_callable_op_and_every_core_op_has_reference_semantics()
    {
        var missing = OpRegistry.All
            .Where(d => d.Callable || d.Dialect == "core")
            .Where(d => OpKernels.Find(d) is null)
            .Select(d => d.Name)
            .ToArray();
        Assert.True(missing.Length == 0, "ops without reference semantics: " + string.Join(", ", missing));
    }

    [Fact]
    public void Kernels_are_registered_only_for_known_ops()
    {
        foreach (var def in OpKernels.Implemented)
            Assert.Same(def, OpRegistry.Find(def.Name));
    }
}
