using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Tests;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>
/// One op kind under the oracle: a small module around the op (the lines of its <c>graph { }</c>), the
/// sequence lengths of the steps to run at batch 2 (more than one where the op reads positions or a
/// cache), the tolerance with its reason, and how to make each input (standard normal f32 values from a
/// seeded stream unless <see cref="Input"/> says otherwise).
/// </summary>
internal sealed record OpCase(string Name, string Graph, int[] Steps, Tolerance Tolerance,
    Func<string, int[], SeededNormal, Tensor?>? Input = null)
{
    public const int Batch = 2;

    public Module Module() => TestModels.FromIr("module @op {\n  graph {\n" + Graph + "\n  }\n}\n");

    /// <summary>The inputs of step <paramref name="step"/>: each core.input at batch 2 and that step's length.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs(Module module, int step)
    {
        var param = IrBuilder.Resolver(module);
        var inputs = new Dictionary<string, Tensor>();
        foreach (var op in module.Body.Ops.Where(o => o.Def == Ir.Ops.CoreOps.Input))
        {
            var name = op.Attributes.GetString("name")!;
            var shape = op.Result.Type.Shape.Dims.Select(d => checked((int)d.Evaluate(param, s => s switch
            {
                "batch" => Batch,
                "seq" => Steps[step],
                _ => null,
            })!.Value)).ToArray();
            var random = SeededNormal.ForTensor((ulong)step + 1, name);
            inputs[name] = Input?.Invoke(name, shape, random) ?? Normal(shape, random, 1.0);
        }
        return inputs;
    }

    /// <summary>Every weight of the module, seeded normal with std 1/sqrt(fan-in) (the second-last axis) so
    /// products keep unit scale; vectors (norm scales, biases) std 1, so a scale of 1 cannot hide a
    /// mistake.</summary>
    public static WeightSet Weights(Module module) =>
        WeightSet.FromArrays(ModuleWeights.Enumerate(module).Select(w =>
        {
            var shape = w.Shape.Select(d => checked((int)d)).ToArray();
            double std = shape.Length >= 2 ? 1 / Math.Sqrt(shape[shape.Length - 2]) : 1.0;
            return (w.Name, shape, Normal(shape, SeededNormal.ForTensor(7, w.Name), std).Data);
        }));

    public static Tensor Normal(int[] shape, SeededNormal random, double std) =>
        new(shape, Enumerable.Range(0, checked((int)Tensor.ElementCount(shape))).Select(_ => (float)(random.NextNormal() * std)).ToArray());

    /// <summary>Integers in [0, n) as reference tensors hold them (exact floats).</summary>
    public static Tensor Ids(int[] shape, SeededNormal random, int n) =>
        new(shape, Enumerable.Range(0, checked((int)Tensor.ElementCount(shape))).Select(_ => (float)(random.NextUInt64() % (ulong)n)).ToArray());

    public override string ToString() => Name;
}
