using System.Linq;
using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>kv.cache appends each step's entries per op and iteration, tracks absolute positions and
/// honours its window and storage type.</summary>
public class KvCacheTests
{
    private static string Graph(string attrs) =>
        $"%0 = core.input {{name = \"x\"}} : f32[batch, seq, 1]\n%1 = kv.cache %0{attrs} : f32[batch, ctx, 1]\ncore.output %1 {{name = \"y\"}}";

    private static Tensor Step(string attrs, KvCacheState cache, params float[] values) =>
        OpHarness.Run(Graph(attrs), cache, new WeightSet(), ("x", Of(S(1, values.Length, 1), values)))["y"];

    [Fact]
    public void Appends_each_step_and_returns_all_entries()
    {
        var cache = new KvCacheState();
        Assert.Equal(new float[] { 1, 2 }, Step("", cache, 1, 2).Data);
        Assert.Equal(new float[] { 1, 2, 3 }, Step("", cache, 3).Data);
        Assert.Equal(3, cache.TokensSeen);
        var entry = Assert.Single(cache.Entries);
        Assert.Equal(new long[] { 0, 1, 2 }, entry.Positions);
    }

    [Fact]
    public void A_window_keeps_the_last_entries_and_returns_what_this_step_can_see()
    {
        var cache = new KvCacheState();
        // A prefill longer than the window returns all its entries (each query needs its own window)...
        Assert.Equal(new float[] { 1, 2, 3 }, Step(" {window = 2}", cache, 1, 2, 3).Data);
        // ...but keeps only the last 2 (positions 1 and 2).
        Assert.Equal(new long[] { 1, 2 }, cache.Entries.Single().Positions);
        // A decode step at position 3 sees positions 2 and 3: the last 2.
        Assert.Equal(new float[] { 3, 4 }, Step(" {window = 2}", cache, 4).Data);
        // Two new tokens at positions 4 and 5: position 3 is still inside the first one's window.
        Assert.Equal(new float[] { 4, 5, 6 }, Step(" {window = 2}", cache, 5, 6).Data);
        Assert.Equal(new long[] { 4, 5 }, cache.Entries.Single().Positions);
    }

    [Fact]
    public void A_storage_type_rounds_what_is_stored()
    {
        var cache = new KvCacheState();
        Assert.Equal(new float[] { 0.3125f }, Step(" {storage = !fp8_e4m3}", cache, 0.3f).Data);
        Assert.Equal(new float[] { 0.3125f, 448 }, Step(" {storage = !fp8_e4m3}", cache, 1000).Data);
    }

    [Fact]
    public void Each_repeat_iteration_has_its_own_cache()
    {
        var graph = "%0 = core.input {name = \"x\"} : f32[batch, seq, 1]\n" +
            "%1 = core.repeat %0 {count = 2, name = \"layers\"} : f32[batch, seq, 1] {\n^(%2: f32[batch, seq, 1]):\n" +
            "  %3 = kv.cache %2 : f32[batch, ctx, 1]\n  %4 = nn.last_token %3 : f32[batch, 1, 1]\n  %5 = nn.add %2, %4 : f32[batch, seq, 1]\n  core.yield %5\n}\n" +
            "core.output %1 {name = \"y\"}";
        var cache = new KvCacheState();
        OpHarness.Run(graph, cache, new WeightSet(), ("x", Of(S(1, 1, 1), 1)));
        Assert.Equal(new[] { "layers.0", "layers.1" }, cache.Entries.Select(e => e.Path).ToArray());
        // Iteration 0 cached x = 1; iteration 1 cached x + x = 2.
        Assert.Equal(new float[] { 1 }, cache.Entries.First().Values.Data);
        Assert.Equal(new float[] { 2 }, cache.Entries.Last().Values.Data);
    }

    [Fact]
    public void A_different_batch_than_the_cached_one_is_rejected()
    {
        var cache = new KvCacheState();
        Step("", cache, 1);
        var e = Assert.Throws<InterpreterException>(() =>
            OpHarness.Run(Graph(""), cache, new WeightSet(), ("x", Of(S(2, 1, 1), 1, 2))));
        Assert.Contains("batch", e.Message);
    }

    [Fact]
    public void A_failed_step_leaves_the_cache_unchanged()
    {
        var graph = "%0 = core.input {name = \"x\"} : f32[batch, seq, 1]\n%1 = core.input {name = \"ids\"} : i32[batch, seq]\n" +
            "%2 = core.input {name = \"table\"} : f32[2, 1]\n%3 = kv.cache %0 : f32[batch, ctx, 1]\n%4 = nn.embedding %1, %2 : f32[batch, seq, 1]\n" +
            "core.output %3 {name = \"y\"}\ncore.output %4 {name = \"z\"}";
        var cache = new KvCacheState();
        var table = Of(S(2, 1), 0, 1);
        OpHarness.Run(graph, cache, new WeightSet(), ("x", Of(S(1, 1, 1), 1)), ("ids", Tensor.FromInts(S(1, 1), 0)), ("table", table));
        Assert.Throws<InterpreterException>(() =>
            OpHarness.Run(graph, cache, new WeightSet(), ("x", Of(S(1, 1, 1), 2)), ("ids", Tensor.FromInts(S(1, 1), 9)), ("table", table)));
        Assert.Equal(1, cache.TokensSeen);
        Assert.Equal(new float[] { 1 }, cache.Entries.Single().Values.Data);
    }
}
