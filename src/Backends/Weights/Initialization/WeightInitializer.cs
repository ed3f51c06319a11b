using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Weights.Initialization;

/// <summary>
/// Seeded random weights for every weight of a module, scaled so activations stay well conditioned
/// through many layers: projections normal with std 1/sqrt(fan_in) (outputs keep the input's scale),
/// embeddings std 1, norm scales 1, biases and relative-position tables std 0.02, routers std 0.02 (near
/// uniform routing without ties), sink logits and norm shifts 0. The values are the same on every
/// platform for a seed and are rounded to the weight's element type when it is a plain narrow float
/// (bf16, f16, FP8), so every backend sees exactly the stored values.
/// </summary>
public static class WeightInitializer
{
    public const double SmallStd = 0.02;

    public static IReadOnlyList<WeightArray> Create(Module module, ulong seed)
    {
        var roles = WeightRoles.Classify(module);
        return ModuleWeights.Enumerate(module).Select(w => Create(w, roles[w.Op], seed)).ToArray();
    }

    private static WeightArray Create(ModuleWeight w, WeightRole role, ulong seed)
    {
        if (w.ElementCount > Array.MaxLength) throw new InvalidOperationException($"weight '{w.Name}' {w.ShapeText} is too large to initialize in memory");
        var values = new float[w.ElementCount];
        double std = role.Kind switch
        {
            WeightRoleKind.Embedding => 1.0,
            WeightRoleKind.Projection => 1.0 / Math.Sqrt(Math.Max(1, role.FanIn)),
            WeightRoleKind.Router or WeightRoleKind.Bias or WeightRoleKind.Other => SmallStd,
            _ => 0,
        };
        if (role.Kind == WeightRoleKind.Scale) Array.Fill(values, 1f);
        else if (std > 0)
        {
            var normal = SeededNormal.ForTensor(seed, w.Name);
            for (int i = 0; i < values.Length; i++) values[i] = (float)(normal.NextNormal() * std);
        }
        RoundToStorage(values, w.DType);
        return new WeightArray(w.Name, w.Shape.Select(d => checked((int)d)).ToArray(), values);
    }

    private static void RoundToStorage(float[] values, DType type)
    {
        Func<float, float>? round =
            type == DType.BF16 ? v => Bf16.Decode(Bf16.Encode(v)) :
            type == DType.F16 ? v => Fp16.Decode(Fp16.Encode(v)) :
            type == DType.Fp8E4M3 ? v => Fp8E4M3.Decode(Fp8E4M3.Encode(v)) :
            type == DType.Fp8E5M2 ? v => Fp8E5M2.Decode(Fp8E5M2.Encode(v)) :
            null;
        if (round is null) return;
        for (int i = 0; i < values.Length; i++) values[i] = round(values[i]);
    }
}
