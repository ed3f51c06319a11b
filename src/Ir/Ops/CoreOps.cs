using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>The structural ops: the model's interface, repeated layers, calls and terminators.</summary>
public static class CoreOps
{
    public static readonly OpDef Input = new("core.input", "A model input (token ids, or any tensor the caller supplies each step).")
    {
        Structure = OpStructure.Input,
        Attrs = L(Str("name", "input name")),
        Traits = OpTraits.Interface,
        Callable = false,
        Example = "%0 = core.input {name = \"tokens\"} : i32[batch, seq]",
    };

    public static readonly OpDef Weight = new("core.weight", "A learned parameter tensor with a static shape; inside a repeat, one per iteration.")
    {
        Structure = OpStructure.Weight,
        Attrs = L(Str("name", "weight name (relative to the enclosing call and repeat)")),
        Traits = OpTraits.Interface,
        Callable = false,
        Example = "%1 = core.weight {name = \"wq\"} : bf16[4096, 4096]",
    };

    public static readonly OpDef Output = new("core.output", "A model output.")
    {
        Structure = OpStructure.Output,
        Operands = L(In("value")),
        Attrs = L(Str("name", "output name")),
        ResultNames = L<string>(),
        Traits = OpTraits.Interface,
        Callable = false,
        Infer = _ => new TensorType[0],
        Example = "core.output %9 {name = \"logits\"}",
    };

    public static readonly OpDef Repeat = new("core.repeat", "Runs its body `count` times, carrying values from one iteration to the next (layers stay one body).")
    {
        Structure = OpStructure.Loop,
        Operands = L(Var("init", "initial values of the carried variables")),
        Attrs = L(Int("count", "number of iterations"), Str("name", "layer-group name, prefix of the weights inside", "layers"),
            Int("offset", "index of the first iteration within the layer group (a repeat split by pipeline stages)", 0)),
        ResultNames = L("carried"),
        RegionCount = 1,
        Traits = OpTraits.None,
        Callable = false,
        Infer = c => c.Variadic,
        Example = "%3 = core.repeat %2 {count = 32, name = \"layers\"} : bf16[batch, seq, 4096] {\n^(%4: bf16[batch, seq, 4096]):\n  ...\n  core.yield %9\n}",
    };

    public static readonly OpDef Yield = new("core.yield", "Ends a repeat body with the next values of the carried variables.")
    {
        Structure = OpStructure.Yield,
        Operands = L(Var("values")),
        ResultNames = L<string>(),
        Traits = OpTraits.Terminator,
        Callable = false,
        Infer = _ => new TensorType[0],
    };

    public static readonly OpDef Call = new("core.call", "Calls a function (an instantiated .moe block); its weights are instantiated under `name`.")
    {
        Structure = OpStructure.Call,
        Operands = L(Var("args")),
        Attrs = L(new AttrSpec("callee", AttrKind.Symbol, "the function", required: true), Str("name", "weight-name prefix of this call")),
        ResultNames = L("results"),
        Traits = OpTraits.None,
        Callable = false,
        Example = "%5 = core.call %4 {callee = @rmsnorm, name = \"attn_norm\"} : bf16[batch, seq, 4096]",
    };

    public static readonly OpDef Return = new("core.return", "Ends a function body with its results.")
    {
        Structure = OpStructure.Return,
        Operands = L(Var("values")),
        ResultNames = L<string>(),
        Traits = OpTraits.Terminator,
        Callable = false,
        Infer = _ => new TensorType[0],
    };

    public static readonly OpDef[] All = { Input, Weight, Output, Repeat, Yield, Call, Return };
}
