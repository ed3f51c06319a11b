using System;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Backends.Weights.Initialization;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/GraphDsl.Bench -- ilgpu [cpu|cuda]</c>: the ILGPU backend's
/// figures in one run, each beside its peer: a STREAM copy (the bandwidth the device reaches), the decode
/// GEMV at a large shape per weight format as a fraction of it, the GEMM's FLOP rate, and tokens/s of the
/// tiny samples unfused against fused. Markdown on standard output.
/// </summary>
internal static class IlgpuBench
{
    public static int Run(string[] args)
    {
        var device = args.Length > 1 && args[1] == "cuda" ? BackendDevice.Cuda : BackendDevice.Cpu;
        bool gpu = device == BackendDevice.Cuda;
        using var backend = IlgpuBackend.Create(device);
        backend.CompileKernels();
        var probe = new KernelProbe(backend);
        var o = Console.Out;
        o.WriteLine($"device: {backend.DeviceName} ({Environment.ProcessorCount} host cores), {DateTime.UtcNow:yyyy-MM-dd}");
        o.WriteLine();
        var stream = probe.StreamCopy(gpu ? 4L << 30 : 256L << 20);
        var host = HostCopy(256L << 20);
        o.WriteLine($"host memory copy (Buffer.MemoryCopy on {Environment.ProcessorCount} threads, 256 MiB): {host:F1} GB/s (read + write)");
        o.WriteLine();
        o.WriteLine("| kernel | time | GB/s | GFLOP/s | vs device STREAM copy | vs host memory copy |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row(o, stream, stream, host);
        int n = gpu ? 16384 : 4096, k = gpu ? 8192 : 4096;
        foreach (var format in new[] { DType.F32, DType.BF16, DType.Fp8E4M3, DType.GroupQuantized(DType.Int4, 128), DType.MxFp4 })
            Row(o, probe.Gemv(n, k, format), stream, host);
        foreach (var format in new[] { DType.F32, DType.BF16 })
            Row(o, gpu ? probe.Gemm(4096, 4096, 4096, format) : probe.Gemm(256, 512, 512, format), stream, host);
        o.WriteLine();
        o.WriteLine("| sample | passes | decode tokens/s | reference interpreter tokens/s | prefill (6 tokens) | launches per decode step | arena bytes |");
        o.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var sample in new[] { "tiny-dense", "tiny-moe" })
            foreach (var passes in new[] { "", "fuse", "quantize{weights=fp8-e4m3},fuse" })
                Tokens(o, backend, sample, passes);
        return 0;
    }

    private static void Row(TextWriter o, KernelTiming t, KernelTiming stream, double host) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {t.Kernel} | {t.Seconds * 1e3:F3} ms | {t.GigabytesPerSecond:F1} | {t.Flops / t.Seconds / 1e9:F1} | {t.GigabytesPerSecond / stream.GigabytesPerSecond:P0} | {t.GigabytesPerSecond / host:P1} |"));

    /// <summary>The machine's memory bandwidth as STREAM's copy measures it: bytes read plus written per
    /// second, one contiguous slice per core, best of five.</summary>
    private static unsafe double HostCopy(long bytes)
    {
        var src = new byte[bytes];
        var dst = new byte[bytes];
        new Random(1).NextBytes(src);
        int threads = Environment.ProcessorCount;
        long slice = bytes / threads;
        double best = double.PositiveInfinity;
        for (int run = 0; run < 6; run++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            System.Threading.Tasks.Parallel.For(0, threads, t =>
            {
                fixed (byte* s = &src[t * slice]) fixed (byte* d = &dst[t * slice]) Buffer.MemoryCopy(s, d, slice, slice);
            });
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (run > 0) best = Math.Min(best, seconds);
        }
        return 2.0 * slice * threads / best / 1e9;
    }

    private static void Tokens(TextWriter o, IlgpuBackend backend, string sample, string passes)
    {
        var module = Flat(Path.Combine(Paths.Samples, sample + ".moe"));
        var weights = WeightSet.FromArrays(WeightInitializer.Create(module, 1).Select(w => (w.Name, w.Shape, w.Values)));
        if (passes.Length > 0) module = Apply(module, passes);
        using var program = new IlgpuProgram(backend, module, weights);
        var prompt = new[] { 1, 17, 42, 7, 256, 3 };
        var device = BestSteps(program, prompt, 33);
        var step = program.LastStep!;
        // The peer the backend is checked against, on the same module and prompt.
        var reference = BestSteps(new InterpreterModel(new Interpreter(module, weights)), prompt, 17);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {sample} | {(passes.Length == 0 ? "(none)" : passes)} | {1 / device.Decode:F1} | {1 / reference.Decode:F1} | {device.Prefill * 1e3:F1} ms | {step.Instructions} | {step.Buffers.PeakBytes:N0} |"));
    }

    /// <summary>The prefill and the mean decode step of <paramref name="newTokens"/>-token generations, each
    /// the best of three after a warm-up generation (which traces the step shapes and uploads the weights).</summary>
    private static (double Prefill, double Decode) BestSteps(ITokenModel model, int[] prompt, int newTokens)
    {
        var generator = new Generator(model);
        generator.Generate(prompt, 4);
        double prefill = double.PositiveInfinity, decode = double.PositiveInfinity;
        for (int run = 0; run < 3; run++)
        {
            generator.Generate(prompt, newTokens);
            prefill = Math.Min(prefill, generator.StepSeconds[0]);
            decode = Math.Min(decode, generator.StepSeconds.Skip(1).Sum() / (generator.StepSeconds.Count - 1));
        }
        return (prefill, decode);
    }

    private static Module Flat(string path) =>
        RunPipeline(Compiler.CompileFile(path).Module ?? throw new InvalidOperationException("cannot compile " + path), StandardPipelines.Flatten);

    private static Module Apply(Module m, string pipeline) =>
        RunPipeline(m, Pipeline.Parse(pipeline, new DiagnosticBag()) ?? throw new InvalidOperationException("bad pipeline " + pipeline));

    private static Module RunPipeline(Module m, Pipeline pipeline) =>
        new PassManager(pipeline).Run(m).Module ?? throw new InvalidOperationException("pipeline failed: " + pipeline);
}
