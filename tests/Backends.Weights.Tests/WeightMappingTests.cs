using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Backends.Weights.Safetensors;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>A module's weights, named per repeat iteration, against the tensors of a file.</summary>
public class WeightMappingTests
{
    [Fact]
    public void Weights_are_named_by_repeat_iteration()
    {
        var names = ModuleWeights.Enumerate(Modules.Sample("tiny-dense")).Select(w => w.Name).ToArray();
        Assert.Equal("embed", names[0]);
        Assert.Contains("layers.0.attn.wq", names);
        Assert.Contains("layers.3.ffn.w_down", names);
        Assert.Contains("norm.scale", names);
        // 4 layers of 9 weights, the embedding and the final norm.
        Assert.Equal(4 * 9 + 2, names.Length);
    }

    [Fact]
    public void An_initialized_module_round_trips_through_a_file()
    {
        var module = Modules.Sample("tiny-moe");
        var weights = WeightInitializer.Create(module, seed: 5);
        var bytes = SafetensorsWriter.ToBytes(WeightMapping.ToSafetensors(weights));
        using var file = SafetensorsFile.FromBytes(bytes);
        var report = WeightMapping.Check(module, file);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(weights.Count, report.Matched);
        var loaded = WeightMapping.Load(module, file);
        Assert.Equal(weights.Select(w => w.Name), loaded.Select(w => w.Name));
        for (int i = 0; i < weights.Count; i++)
        {
            Assert.Equal(weights[i].Shape, loaded[i].Shape);
            Assert.Equal(weights[i].Values, loaded[i].Values);
        }
    }

    [Fact]
    public void Narrower_files_load_as_f32()
    {
        var module = Modules.Sample("tiny-dense");
        var weights = WeightInitializer.Create(module, seed: 5);
        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.ToBytes(WeightMapping.ToSafetensors(weights, SafetensorsDType.BF16)));
        var loaded = WeightMapping.Load(module, file);
        var wq = loaded.Single(w => w.Name == "layers.1.attn.wq");
        var original = weights.Single(w => w.Name == "layers.1.attn.wq").Values;
        // bf16 keeps 8 significant bits: round to nearest leaves a relative error of at most 2^-8.
        for (int i = 0; i < original.Length; i++)
            Assert.True(System.Math.Abs(wq.Values[i] - original[i]) <= System.Math.Abs(original[i]) / 256, $"element {i}");
    }

    [Fact]
    public void Missing_extra_and_misshaped_tensors_are_reported_by_name()
    {
        var module = Modules.Sample("tiny-dense");
        var tensors = ModuleWeights.Enumerate(module).Select(w => (w.Name, w.Shape)).ToList();
        tensors.RemoveAll(t => t.Name == "layers.2.attn.wk");
        var index = tensors.FindIndex(t => t.Name == "layers.0.ffn.w_up");
        tensors[index] = ("layers.0.ffn.w_up", new long[] { 256, 128 });
        tensors.Add(("layers.4.attn.wq", new long[] { 128, 128 }));
        tensors.Add(("lm_head.w", new long[] { 128, 512 }));

        var report = WeightMapping.Check(module, tensors);
        Assert.False(report.CanLoad);
        Assert.Equal(new[] { "layers.2.attn.wk" }, report.Missing.Select(m => m.Name));
        var misshaped = Assert.Single(report.Misshaped);
        Assert.Equal("layers.0.ffn.w_up", misshaped.Name);
        Assert.Equal(new long[] { 128, 256 }, misshaped.Expected);
        Assert.Equal(new long[] { 256, 128 }, misshaped.Found);
        Assert.Equal(new[] { "layers.4.attn.wq", "lm_head.w" }, report.Extra);
        Assert.Equal("36 weights matched; missing: layers.2.attn.wk [128, 64]; mis-shaped: layers.0.ffn.w_up (expected [128, 256], found [256, 128]); " +
            "extra: layers.4.attn.wq, lm_head.w", report.ToString());
    }

    [Fact]
    public void Loading_an_incomplete_file_fails_with_the_report()
    {
        var module = Modules.Sample("tiny-dense");
        var weights = WeightInitializer.Create(module, seed: 5).Where(w => w.Name != "norm.scale");
        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.ToBytes(WeightMapping.ToSafetensors(weights)));
        var e = Assert.Throws<WeightMappingException>(() => WeightMapping.Load(module, file));
        Assert.Contains("missing: norm.scale [128]", e.Message);
    }

    [Fact]
    public void Extra_tensors_do_not_stop_loading()
    {
        var module = Modules.Sample("tiny-dense");
        var weights = WeightInitializer.Create(module, seed: 5).ToList();
        weights.Add(new WeightArray("unused", new[] { 1 }, new float[] { 1 }));
        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.ToBytes(WeightMapping.ToSafetensors(weights)));
        var report = WeightMapping.Check(module, file);
        Assert.True(report.CanLoad);
        Assert.False(report.IsExact);
        Assert.Equal(weights.Count - 1, WeightMapping.Load(module, file).Count);
    }
}
