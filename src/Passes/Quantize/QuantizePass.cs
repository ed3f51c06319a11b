using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Quantize;

/// <summary>
/// Assigns numeric formats: the weights that matmuls and experts read take the weight format (a matmul
/// over a quantized weight is a dequantizing GEMM), KV caches store the KV format, and with
/// <c>activations</c> the same GEMMs read their input in that type (<c>act_dtype</c>: W8A8 with FP8). Norm scales, biases
/// and gathered embedding tables stay as they are; the LM head and the router are skipped by default,
/// as deployments keep them in 16-bit. Skip entries are roles (lm_head, router) or weight-path substrings.
/// </summary>
public sealed class QuantizePass : IPass
{
    public static readonly PassInfo PassInfo = new("quantize",
        "Assign numeric formats to weights (matmul and expert weights) and the KV cache.",
        QuantizeOptions.Declared,
        new[] { "weights_quantized", "weights_skipped", "caches_quantized", "gemm_inputs_quantized" });

    private readonly QuantizeOptions _options;

    public QuantizePass(QuantizeOptions options) { _options = options; }

    public PassInfo Info => PassInfo;

    /// <summary>The type a format choice stores (integers with a scale per <paramref name="group"/> inputs); null for keep.</summary>
    public static DType? Format(string name, int group)
    {
        if (name == NumericFormat.Keep) return null;
        var t = (NumericFormat.Find(name) ?? throw new FormatException($"unknown numeric format '{name}'")).Type;
        return t.Kind == ElementKind.Int ? DType.GroupQuantized(t, group) : t;
    }

    public PassResult Run(Module module)
    {
        if (module.Functions.Count > 0) throw new PassException("quantize needs a flat module: run 'inline' first");
        int group = _options.Group;
        if (group <= 0) throw new PassException("group must be positive");
        if (_options.UnusedGroup() is { } unused) throw new PassException(unused);
        var weightFormat = Format(_options.Weights, group);
        var kvFormat = Format(_options.Kv, group);
        var activationFormat = Format(_options.Activations, group);
        var skip = _options.Skip;
        var keptRepeats = new HashSet<Operation>();
        var layerEntries = _options.SkipLayers.Where(e => e.Length > 0).ToList();
        // Kept layers keep their weights' format and their GEMMs' input type: peel them for either (peeling only for
        // weights let activations=fp8 reach the layers skip_layers named when the weights kept their format).
        if (layerEntries.Count > 0 && (weightFormat is not null || activationFormat is not null))
        {
            var param = IrBuilder.Resolver(module);
            var chosen = LayerPeeler.Resolve(layerEntries, LayerPeeler.CountLayers(module, param));
            (module, keptRepeats) = LayerPeeler.Peel(module, chosen, param);
        }
        var uses = UseMap.Build(module);
        var paths = ModelWalker.Walk(module).Where(w => w.Op.Def.Structure == OpStructure.Weight)
            .ToDictionary(w => w.Op, w => ModelWalker.Join(w.Path, w.Op.Attributes.GetString("name") ?? ""));
        if (weightFormat is not null || activationFormat is not null) CheckSkipEntries(skip, paths.Values);
        long quantized = 0, skipped = 0, caches = 0, inputs = 0;
        // The weights whose GEMMs read quantized activations: the matrices the weight format applies to.
        var activationWeights = new HashSet<Operation>(activationFormat is null ? Enumerable.Empty<Operation>() : paths.Keys
            .Where(w => IsMatrixWeight(w.Result, uses) && !skip.Any(s => Role(w.Result, uses) == s || paths[w].Contains(s)) && !InKeptLayer(w, keptRepeats)));
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (activationFormat is not null && op.Def.ComputeWeight is { } computeWeight &&
                Origin(op.Operand(computeWeight)!) is { } origin && activationWeights.Contains(origin))
            {
                var copy = cloner.Copy(op, op.Attributes.With("act_dtype", Attr.Type(activationFormat)));
                dst.Append(copy);
                inputs++;
                return copy.Results;
            }
            if (op.Def.Structure == OpStructure.Weight && weightFormat is not null && IsMatrixWeight(op.Result, uses))
            {
                var path = paths.TryGetValue(op, out var p) ? p : "";
                if (skip.Any(s => Role(op.Result, uses) == s || path.Contains(s)) || InKeptLayer(op, keptRepeats)) { skipped++; return null; }
                var t = op.Result.Type;
                if (t.DType == weightFormat) return null;
                var copy = IrBuilder.Create(CoreOps.Weight, Array.Empty<Value?>(), op.Attributes, new[] { t.WithDType(weightFormat) }, span: op.Span);
                dst.Append(copy);
                quantized++;
                return copy.Results;
            }
            if (op.Def.Structure == OpStructure.Kernel && op.Operands.Any(v => cloner.Lookup(v).Type.DType != v.Type.DType))
                return RetypedKernel(op, dst, cloner);
            if (op.Def.IsStateful && kvFormat is not null)
            {
                var copy = cloner.Copy(op, op.Attributes.With("storage", Attr.Type(kvFormat)));
                dst.Append(copy);
                caches++;
                return copy.Results;
            }
            return null;
        };
        var result = IrCloner.CloneModule(module, cloner);
        return new PassResult(result, quantized + caches + inputs > 0, new Dictionary<string, long>
        {
            ["weights_quantized"] = quantized, ["weights_skipped"] = skipped, ["caches_quantized"] = caches, ["gemm_inputs_quantized"] = inputs,
        });
    }

    /// <summary>The roles a skip entry may name (<see cref="Role"/>); a model may lack them (a dense model has no router).</summary>
    private static readonly string[] SkipRoles = { "lm_head", "router" };

    /// <summary>Refuses a skip entry that is neither a role nor part of any weight's path: a misspelt entry would otherwise
    /// keep nothing in 16-bit and quantize what it meant to keep.</summary>
    private static void CheckSkipEntries(IReadOnlyList<string> skip, IEnumerable<string> weightPaths)
    {
        var paths = weightPaths.ToList();
        foreach (var entry in skip)
        {
            if (entry.Length == 0 || SkipRoles.Contains(entry) || paths.Any(p => p.Contains(entry))) continue;
            var example = paths.FirstOrDefault(p => p.Length > 0);
            throw new PassException($"skip: '{entry}' is neither a role ({string.Join(", ", SkipRoles)}) nor part of any weight's path"
                + (example is null ? "" : $" (such as '{example}')"));
        }
    }

    /// <summary>A fused kernel whose weight operands were retyped: its region's arguments take the new
    /// types, so the members read the quantized weights (the members themselves do not change).</summary>
    private static IReadOnlyList<Value> RetypedKernel(Operation op, Region dst, IrCloner cloner)
    {
        var region = op.Regions[0];
        var retyped = new Region();
        for (int i = 0; i < region.Arguments.Count; i++)
            cloner.Map(region.Arguments[i], retyped.AddArgument(i < op.Operands.Count ? cloner.Lookup(op.Operands[i]).Type : cloner.Type(region.Arguments[i].Type)));
        cloner.CloneOps(region, retyped);
        var copy = IrBuilder.Create(op.Def, op.Slots.Select(v => v is null ? null : cloner.Lookup(v)).ToArray(), cloner.Attrs(op.Attributes),
            op.Results.Select(r => cloner.Type(r.Type)).ToArray(), new[] { retyped }, op.Span);
        dst.Append(copy);
        return copy.Results;
    }

    /// <summary>The core.weight op a value comes from, through fused-kernel region arguments; null for computed values.</summary>
    private static Operation? Origin(Value v)
    {
        for (int depth = 0; depth < 16; depth++)
        {
            if (v.Owner is { } owner) return owner.Def.Structure == OpStructure.Weight ? owner : null;
            if (v.ArgumentOf?.Parent is not { } parent || parent.Def.Structure != OpStructure.Kernel || v.Index >= parent.Operands.Count) return null;
            v = parent.Operands[v.Index];
        }
        return null;
    }

    /// <summary>The ops that read a value, looking through fused kernels to the members that read the matching region argument.</summary>
    private static IEnumerable<(Operation User, string Slot)> MemberUses(Value v, UseMap uses)
    {
        foreach (var use in uses.Of(v))
        {
            if (use.User.Def.Structure != OpStructure.Kernel) { yield return use; continue; }
            var args = use.User.Regions[0].Arguments;
            for (int i = 0; i < use.User.Operands.Count && i < args.Count; i++)
                if (use.User.Operands[i] == v)
                    foreach (var inner in MemberUses(args[i], uses)) yield return inner;
        }
    }

    private static bool InKeptLayer(Operation op, HashSet<Operation> kept)
    {
        for (var r = op.ParentRegion; r?.Parent is { } parent; r = parent.ParentRegion)
            if (kept.Contains(parent)) return true;
        return false;
    }

    /// <summary>A weight read only as a GEMM's matrix (<see cref="WeightUse.GemmMatrix"/>), fused or not: the matrices quantization targets.</summary>
    private static bool IsMatrixWeight(Value w, UseMap uses)
    {
        var users = MemberUses(w, uses).ToList();
        return users.Count > 0 && users.All(u => u.User.Def.WeightIn(u.Slot)?.GemmMatrix == true);
    }

    /// <summary>lm_head for the matmul producing an output, router for the one feeding moe.route.</summary>
    public static string Role(Value w, UseMap uses)
    {
        foreach (var (user, _) in MemberUses(w, uses))
        {
            if (user.Def.Fusion != FusionRole.Gemm) continue;
            // core.output is the model's interface: a GEMM that reaches it is the LM head.
            if (Reaches(user.Result, uses, d => d.Structure == OpStructure.Output, 4)) return "lm_head";
            if (Reaches(user.Result, uses, d => d.Fusion == FusionRole.Router, 3)) return "router";
        }
        return "";
    }

    private static bool Reaches(Value v, UseMap uses, Func<OpDef, bool> target, int depth)
    {
        if (depth < 0) return false;
        foreach (var (user, _) in uses.Of(v))
        {
            if (target(user.Def)) return true;
            // Out of a fused kernel: its yield's operand j is the kernel's result j.
            if (user.Def.Structure == OpStructure.Yield && user.ParentRegion?.Parent is { } kernel && kernel.Def.Structure == OpStructure.Kernel)
            {
                for (int j = 0; j < user.Operands.Count && j < kernel.Results.Count; j++)
                    if (user.Operands[j] == v && Reaches(kernel.Results[j], uses, target, depth - 1)) return true;
                continue;
            }
            if (user.Results.Count == 1 && CarriesRole(user, v) && Reaches(user.Result, uses, target, depth - 1)) return true;
        }
        return false;
    }

    /// <summary>An op that hands a GEMM's output on unchanged in role: a conversion, a copy of some rows, a
    /// collective, a one-input pointwise op (scale, softcap) or a residual add over activations.</summary>
    private static bool CarriesRole(Operation user, Value v) =>
        user.Def.Fusion is FusionRole.Convert or FusionRole.Copy || user.Def.Dialect == "comm"
        || (user.Def.FusesPointwise && user.Operands.Count == 1) || (user.Def.Fusion == FusionRole.Sum && v.Type.Rank > 1);
}
