using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Weights.Initialization;

/// <summary>Infers each core.weight op's role from the ops that use it (looking through casts, calls and fused kernels):
/// each op declares what a weight in each of its operand slots is (<see cref="OperandSpec.Weight"/>).</summary>
public static class WeightRoles
{
    private const int MaxFollow = 8;

    public static IReadOnlyDictionary<Operation, WeightRole> Classify(Module module)
    {
        var users = Users(module);
        var roles = new Dictionary<Operation, WeightRole>();
        foreach (var op in module.WalkAll().Where(o => o.Def.Structure == OpStructure.Weight))
            roles[op] = Classify(module, op.Result, users);
        return roles;
    }

    private static WeightRole Classify(Module module, Value weight, Dictionary<Value, List<(Operation Op, string Slot)>> users)
    {
        var uses = DirectUses(module, weight, users, 0).ToList();
        var shape = weight.Type.Shape;
        long Dim(int i) => shape.Rank > i ? shape[i].AsConst ?? 1 : 1;
        // An embedding table tied to the LM head is still initialized as an embedding.
        if (uses.Any(u => u.Op.Def.WeightIn(u.Slot)?.Init == InitRole.Embedding)) return new WeightRole(WeightRoleKind.Embedding);
        foreach (var (op, slot) in uses)
        {
            if (op.Def.WeightIn(slot) is not { } use) continue;
            switch (use.Init)
            {
                case InitRole.Scale: return new WeightRole(WeightRoleKind.Scale);
                case InitRole.Zero: return new WeightRole(WeightRoleKind.Zero);
                case InitRole.Bias: return new WeightRole(WeightRoleKind.Bias);
                case InitRole.Projection:
                    // A GEMM whose output is the router's logits is drawn as a router.
                    if (use.GemmMatrix && op.Results.Count == 1 && FeedsRouter(module, op.Result, users, 0)) return new WeightRole(WeightRoleKind.Router);
                    return new WeightRole(WeightRoleKind.Projection, Dim(use.FanInAxis(op)));
            }
        }
        return new WeightRole(WeightRoleKind.Other);
    }

    /// <summary>Uses of a value, following casts to their users, call arguments into the callee and fused-kernel operands into the kernel's region.</summary>
    private static IEnumerable<(Operation Op, string Slot)> DirectUses(Module module, Value v, Dictionary<Value, List<(Operation Op, string Slot)>> users, int depth)
    {
        if (depth > MaxFollow || !users.TryGetValue(v, out var list)) yield break;
        foreach (var (op, slot) in list)
        {
            if (op.Def.Fusion == FusionRole.Convert)
                foreach (var u in DirectUses(module, op.Result, users, depth + 1)) yield return u;
            // Structure, not meaning: a call's argument and a fused kernel's operand are the callee's and the region's arguments.
            else if (op.Def.Structure == OpStructure.Call && CalleeArgument(module, op, v) is { } arg)
                foreach (var u in DirectUses(module, arg, users, depth + 1)) yield return u;
            else if (op.Def.Structure == OpStructure.Kernel)
                // A fused kernel's members see the weight as the matching region argument.
                for (int i = 0; i < op.Operands.Count; i++)
                {
                    if (op.Operands[i] != v) continue;
                    foreach (var u in DirectUses(module, op.Regions[0].Arguments[i], users, depth + 1)) yield return u;
                }
            else
                yield return (op, slot);
        }
    }

    /// <summary>True when the value reaches moe.route's logits through casts and additions.</summary>
    private static bool FeedsRouter(Module module, Value v, Dictionary<Value, List<(Operation Op, string Slot)>> users, int depth)
    {
        if (depth > MaxFollow || !users.TryGetValue(v, out var list)) return false;
        foreach (var (op, slot) in list)
        {
            if (op.Def.Fusion == FusionRole.Router && slot == op.Def.Operands[0].Name) return true;
            if (op.Def.Fusion is FusionRole.Convert or FusionRole.Sum && FeedsRouter(module, op.Result, users, depth + 1)) return true;
        }
        return false;
    }

    private static Value? CalleeArgument(Module module, Operation call, Value arg)
    {
        var callee = (call.Attributes.Get("callee") as SymbolAttr)?.Name;
        var f = callee is null ? null : module.FindFunction(callee);
        if (f is null) return null;
        for (int i = 0; i < call.Operands.Count && i < f.Body.Arguments.Count; i++)
            if (call.Operands[i] == arg) return f.Body.Arguments[i];
        return null;
    }

    private static Dictionary<Value, List<(Operation Op, string Slot)>> Users(Module module)
    {
        var users = new Dictionary<Value, List<(Operation, string)>>();
        foreach (var op in module.WalkAll())
            for (int i = 0; i < op.Slots.Count; i++)
            {
                var v = op.Slots[i];
                if (v is null) continue;
                var slot = op.Def.Operands.Count == 0 ? "" : op.Def.Operands[System.Math.Min(i, op.Def.Operands.Count - 1)].Name;
                if (!users.TryGetValue(v, out var list)) users[v] = list = new List<(Operation, string)>();
                list.Add((op, slot));
            }
        return users;
    }
}
