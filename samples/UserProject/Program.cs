// Prints the facts the GraphDsl source generator computed at build time for each model of this
// project, compiles one model again at run time through its generated Module property, and generates
// tokens with the tiny MoE through its typed runner on ILGPU's CPU accelerator.
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Text;
using UserProject.Models;

internal static class Program
{
    private static int Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        // Constants: known at compile time, usable in attributes, switch cases and other constants.
        Print(TinyMoe.ModelName, TinyMoe.SourcePath, TinyMoe.TotalParameters, TinyMoe.ActiveParameters, TinyMoe.KvBytesPerToken, TinyMoe.WeightBytes);
        Print(Llama3_8B.ModelName, Llama3_8B.SourcePath, Llama3_8B.TotalParameters, Llama3_8B.ActiveParameters, Llama3_8B.KvBytesPerToken, Llama3_8B.WeightBytes);
        Print(EdgeMoe.ModelName, EdgeMoe.SourcePath, EdgeMoe.TotalParameters, EdgeMoe.ActiveParameters, EdgeMoe.KvBytesPerToken, EdgeMoe.WeightBytes);

        // The .moe parameters are constants too: param kv_heads = 8 becomes Llama3_8B.KvHeads.
        Console.WriteLine($"Llama3_8B: d={Llama3_8B.D} layers={Llama3_8B.Layers} heads={Llama3_8B.Heads} kv_heads={Llama3_8B.KvHeads} head_dim={Llama3_8B.HeadDim}");
        Console.WriteLine($"EdgeMoe: experts={EdgeMoe.Experts} top_k={EdgeMoe.TopK} expert_hidden={EdgeMoe.ExpertHidden}");

        // The module compiles on first use (EdgeMoe imports blocks/moe-decoder.moe, embedded at build time);
        // printed, it is the IR the generator saw.
        var module = EdgeMoe.Module;
        var sameIr = IrPrinter.Print(module) == EdgeMoe.IrText;
        Console.WriteLine($"EdgeMoe.Module: {module.Functions.Count} functions, IR matches build time: {(sameIr ? "yes" : "no")}");

        // Seeded weights (what `graphdsl weights init` writes), then the typed runner: fused, FP8 weights.
        var weights = Path.Combine(Path.GetTempPath(), $"userproject-tinymoe-{Environment.ProcessId}.safetensors");
        SafetensorsWriter.Write(weights, WeightMapping.ToSafetensors(WeightInitializer.Create(ModelRunner.Prepare(TinyMoe.Module), seed: 1)));
        using (var backend = IlgpuBackend.Create(BackendDevice.Cpu))
        using (var tinyMoe = TinyMoe.Load(weights, backend, "fuse"))
        {
            var prompt = new[] { 1, 17, 42, 7, 256, 3 };
            var tokens = tinyMoe.Generate(prompt, 8);
            Console.WriteLine($"TinyMoe generated on {backend.DeviceName}: {string.Join(" ", tokens)} (prompt {string.Join(" ", prompt)})");
        }
        File.Delete(weights);
        return sameIr ? 0 : 1;
    }

    private static void Print(string model, string path, long total, long active, long kvBytesPerToken, long weightBytes) =>
        Console.WriteLine($"{model} ({path}): parameters={total} active={active} kv_bytes_per_token={kvBytesPerToken} weight_bytes={weightBytes}");
}
