using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Tests.Text;

/// <summary>Builds random but valid modules from a seed: parameters with arithmetic, weights, most nn
/// ops, optional operands, multi-result ops, repeat regions, functions and calls, awkward floats and
/// strings. Every op goes through the builder, so types are what inference says.</summary>
internal static class RandomModules
{
    private static readonly double[] Floats = { 1e-5, 1e-6, 0.1, 0.5, 1.0 / 3, 2.5, 78.38367176906169, 1e-30, 12345678.0, -7.25 };
    private static readonly string[] Names = { "w", "layers.0.attn", "a\"quote", "tab\there", "ünïcode", "back\\slash" };

    public static Module Build(int seed)
    {
        var rng = new Random(seed);
        var m = new Module("m" + seed);
        // Parameters: constants and expressions over earlier ones.
        var heads = 2 * (1 + rng.Next(3));
        m.AddParam("d", DimExpr.Of(heads * 4 * (1 + rng.Next(4))));
        m.AddParam("h", DimExpr.Of(heads));
        m.AddParam("two", DimExpr.Param("h") / DimExpr.Param("h") + DimExpr.Of(1));
        m.AddParam("hd", DimExpr.Param("d") / DimExpr.Param("h") * DimExpr.Param("two") / DimExpr.Of(2));
        m.AddParam("ff", DimExpr.Bin(DimOp.Max, DimExpr.Param("d") * DimExpr.Of(2), DimExpr.Of(16)));
        var param = IrBuilder.Resolver(m);
        var dtype = rng.Next(2) == 0 ? DType.F32 : DType.BF16;
        var d = DimExpr.Param("d");
        var act = new Shape(DimExpr.Sym("batch"), DimExpr.Sym("seq"), d);

        if (rng.Next(2) == 0) AddFunction(m, rng, dtype, act);

        var b = new IrBuilder(m.Body, param);
        var tokens = b.Append(CoreOps.Input, new Value?[0], IrBuilder.Attrs(("name", Attr.Str("tokens"))), new[] { new TensorType(DType.I32, new Shape(DimExpr.Sym("batch"), DimExpr.Sym("seq"))) }).Result;
        var table = Weight(b, rng, new TensorType(dtype, new Shape(DimExpr.Of(64), d)));
        var x = b.Add(NnOps.Embedding, new Value?[] { tokens, table });
        x = Body(b, rng, x, dtype, 3 + rng.Next(8));
        if (rng.Next(2) == 0)
        {
            var body = new Region();
            var arg = body.AddArgument(x.Type);
            var inner = new IrBuilder(body, param);
            var y = Body(inner, rng, arg, dtype, 2 + rng.Next(5));
            inner.Append(CoreOps.Yield, new Value?[] { y }, resultTypes: new TensorType[0]);
            var count = rng.Next(2) == 0 ? (DimExpr)DimExpr.Of(1 + rng.Next(60)) : DimExpr.Param("h") + DimExpr.Of(1);
            x = b.Append(CoreOps.Repeat, new Value?[] { x }, IrBuilder.Attrs(("count", Attr.Int(count)), ("name", Attr.Str(Names[rng.Next(Names.Length)]))),
                regions: new[] { body }).Result;
        }
        var fn = m.Functions.FirstOrDefault();
        if (fn is not null)
            x = b.Append(CoreOps.Call, new Value?[] { x }, IrBuilder.Attrs(("callee", Attr.Symbol(fn.Name)), ("name", Attr.Str("call"))), fn.ResultTypes).Result;
        b.Append(CoreOps.Output, new Value?[] { x }, IrBuilder.Attrs(("name", Attr.Str("out"))), new TensorType[0]);
        return m;
    }

    private static void AddFunction(Module m, Random rng, DType dtype, Shape act)
    {
        var f = new Function("block" + rng.Next(100));
        var arg = f.Body.AddArgument(new TensorType(dtype, act));
        var b = new IrBuilder(f.Body, IrBuilder.Resolver(m));
        var y = Body(b, rng, arg, dtype, 1 + rng.Next(4));
        b.Append(CoreOps.Return, new Value?[] { y }, resultTypes: new TensorType[0]);
        f.SetResultTypes(new[] { y.Type });
        m.AddFunction(f);
    }

    /// <summary>A weight with a random name, made unique in its region by the region's op count (the verifier refuses two
    /// weights of one name in one region: they would share a path).</summary>
    private static Value Weight(IrBuilder b, Random rng, TensorType t) =>
        b.Append(CoreOps.Weight, new Value?[0], IrBuilder.Attrs(("name", Attr.Str(Names[rng.Next(Names.Length)] + rng.Next(1000) + "_" + b.Region.Ops.Count))), new[] { t }).Result;

    /// <summary>Appends n random ops that map [batch, seq, @d] to [batch, seq, @d].</summary>
    private static Value Body(IrBuilder b, Random rng, Value x, DType dtype, int n)
    {
        var d = DimExpr.Param("d");
        for (int i = 0; i < n; i++)
        {
            switch (rng.Next(10))
            {
                case 0: x = b.Add(NnOps.Add, new Value?[] { x, x }); break;
                case 1: x = b.Add(NnOps.Mul, new Value?[] { x, Weight(b, rng, new TensorType(dtype, new Shape(d))) }); break;
                case 2: x = b.Add(NnOps.Silu, new Value?[] { x }); break;
                case 3:
                    x = b.Add(NnOps.RmsNorm, new Value?[] { x, Weight(b, rng, new TensorType(dtype, new Shape(d))) },
                        IrBuilder.Attrs(("eps", Attr.Float(Floats[rng.Next(Floats.Length)]))));
                    break;
                case 4:
                {
                    var bias = rng.Next(2) == 0 ? Weight(b, rng, new TensorType(dtype, new Shape(d))) : null;
                    x = b.Add(NnOps.LayerNorm, new Value?[] { x, Weight(b, rng, new TensorType(dtype, new Shape(d))), bias });
                    break;
                }
                case 5:
                {
                    var up = b.Add(NnOps.MatMul, new Value?[] { x, Weight(b, rng, new TensorType(dtype, new Shape(d, DimExpr.Param("ff")))) });
                    x = b.Add(NnOps.MatMul, new Value?[] { b.Add(NnOps.Relu, new Value?[] { up }), Weight(b, rng, new TensorType(dtype, new Shape(DimExpr.Param("ff"), d))) });
                    break;
                }
                case 6:
                {
                    var shape4 = new Shape(DimExpr.Sym("batch"), DimExpr.Sym("seq"), DimExpr.Param("h"), DimExpr.Param("hd"));
                    var r = b.Add(NnOps.Reshape, new Value?[] { x }, IrBuilder.Attrs(("shape", Attr.Shape(shape4))));
                    r = b.Add(NnOps.Rope, new Value?[] { r }, IrBuilder.Attrs(("theta", Attr.Float(500000.0))));
                    x = b.Add(NnOps.Reshape, new Value?[] { r }, IrBuilder.Attrs(("shape", Attr.Shape(x.Type.Shape))));
                    break;
                }
                case 7:
                {
                    var half = DimExpr.Param("d") / DimExpr.Of(2);
                    var parts = b.Append(NnOps.Split, new Value?[] { x }, IrBuilder.Attrs(("sizes", Attr.List(new[] { Attr.Int(half), Attr.Int(half) }))));
                    x = b.Add(NnOps.Concat, new Value?[] { parts.Results[1], parts.Results[0] });
                    break;
                }
                case 8: x = b.Add(NnOps.Scale, new Value?[] { x }, IrBuilder.Attrs(("factor", Attr.Float(Floats[rng.Next(Floats.Length)])))); break;
                default:
                    x = b.Add(NnOps.Cast, new Value?[] { b.Add(NnOps.Cast, new Value?[] { x }, IrBuilder.Attrs(("dtype", Attr.Type(DType.F16)))) },
                        IrBuilder.Attrs(("dtype", Attr.Type(dtype))));
                    break;
            }
        }
        return x;
    }
}
