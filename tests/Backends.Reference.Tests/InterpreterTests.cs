using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Frontend;
using GraphDsl.TestSupport;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Whole-module behaviour: weight naming, calls, and clear errors for what cannot run.</summary>
public class InterpreterTests
{
    private static Tensor Prompt => Tensor.FromInts(new[] { 1, 4 }, 5, 6, 7, 8);

    [Fact]
    public void Weights_are_read_by_repeat_iteration_and_name()
    {
        var module = TestModels.Sample("tiny-moe");
        var names = ModuleWeights.Enumerate(module).Select(w => w.Name).ToArray();
        Assert.Contains("embed.table", names);
        Assert.Contains("dense_layers.0.attn.wq", names);
        Assert.Contains("moe_layers.2.moe.w_gate", names);
        Assert.DoesNotContain("moe_layers.3.moe.w_gate", names);

        var weights = TestModels.SeededWeights(module);
        weights.Set("moe_layers.2.attn.wq", Tensor.Zeros(128, 127));
        var e = Assert.Throws<InterpreterException>(() => new Interpreter(module, weights).Step(Prompt, new KvCacheState()));
        Assert.Contains("weight 'moe_layers.2.attn.wq' is [128, 127] but the module declares [128, 128]", e.Message);
    }

    [Fact]
    public void A_missing_weight_is_named_in_full()
    {
        var module = TestModels.Sample("tiny-dense");
        var all = TestModels.SeededWeights(module);
        var weights = new WeightSet(all.Where(kv => kv.Key != "layers.3.ffn.w_down"));
        var e = Assert.Throws<InterpreterException>(() => new Interpreter(module, weights).Step(Prompt, new KvCacheState()));
        Assert.Equal("core.weight 'ffn.w_down' (in layers.3): weight 'layers.3.ffn.w_down' is missing from the weight set", e.Message);
    }

    [Fact]
    public void Calls_run_their_functions_with_weights_under_the_call_name()
    {
        // The module straight from the frontend (calls, parameters in shapes) computes what the inlined one does.
        var raw = Compiler.CompileFile(Repo.Sample("tiny-moe")).Module!;
        Assert.Contains(raw.WalkAll(), op => op.Name == "core.call");
        var flat = TestModels.Flatten(raw);
        var weights = TestModels.SeededWeights(flat);
        Assert.Equal(ModuleWeights.Enumerate(flat).Select(w => w.Name), ModuleWeights.Enumerate(raw).Select(w => w.Name));
        var expected = new Interpreter(flat, weights).Step(Prompt, new KvCacheState());
        var actual = new Interpreter(raw, weights).Step(Prompt, new KvCacheState());
        Assert.Equal(expected.Data, actual.Data);
    }

    [Fact]
    public void A_missing_input_is_named()
    {
        var module = TestModels.Sample("tiny-dense");
        var e = Assert.Throws<InterpreterException>(() =>
            new Interpreter(module, TestModels.SeededWeights(module)).Run(new Dictionary<string, Tensor>(), new KvCacheState()));
        Assert.Contains("core.input 'tokens'", e.Message);
    }

    [Fact]
    public void A_symbol_no_input_binds_is_rejected_naming_the_op()
    {
        var e = Assert.Throws<InterpreterException>(() => OpHarness.Y(
            "%0 = core.input {name = \"x\"} : f32[batch, 4]\n%1 = nn.reshape %0 {shape = [seq, 4]} : f32[seq, 4]\ncore.output %1 {name = \"y\"}",
            ("x", Tensor.Zeros(2, 4))));
        Assert.Contains("nn.reshape", e.Message);
        Assert.Contains("'seq'", e.Message);
    }

    [Fact]
    public void An_input_of_the_wrong_shape_is_rejected()
    {
        var e = Assert.Throws<InterpreterException>(() => OpHarness.Y(
            "%0 = core.input {name = \"x\"} : f32[batch, 4]\n%1 = nn.relu %0 : f32[batch, 4]\ncore.output %1 {name = \"y\"}",
            ("x", Tensor.Zeros(2, 3))));
        Assert.Contains("expects [batch, 4] but got [2, 3]", e.Message);
    }

    [Fact]
    public void Collectives_over_several_gpus_are_rejected_and_a_group_of_one_is_the_identity()
    {
        const string graph = "%0 = core.input {name = \"x\"} : f32[2]\n%1 = comm.all_reduce %0 {group = {0}} : f32[2]\ncore.output %1 {name = \"y\"}";
        Assert.Equal(new float[] { 1, 2 }, OpHarness.Y(graph.Replace("{0}", "1"), ("x", Of(S(2), 1, 2))).Data);
        var e = Assert.Throws<InterpreterException>(() => OpHarness.Y(graph.Replace("{0}", "2"), ("x", Of(S(2), 1, 2))));
        Assert.Contains("comm.all_reduce", e.Message);
        Assert.Contains("group of 2", e.Message);
    }

    [Fact]
    public void A_cache_belongs_to_one_module()
    {
        var dense = TestModels.Sample("tiny-dense");
        var moe = TestModels.Sample("tiny-moe");
        var cache = new KvCacheState();
        new Interpreter(dense, TestModels.SeededWeights(dense)).Step(Prompt, cache);
        var e = Assert.Throws<InterpreterException>(() => new Interpreter(moe, TestModels.SeededWeights(moe)).Step(Prompt, cache));
        Assert.Contains("new KvCacheState", e.Message);
    }
}
