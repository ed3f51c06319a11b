using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>
/// ONNX Runtime's native library comes from the Microsoft.ML.OnnxRuntime package, copied beside the test
/// assembly (runtimes/linux-x64/native/libonnxruntime.so on CI). Nothing in this project skips when it does
/// not load: every oracle test fails, and this one says why first.
/// </summary>
public sealed class OnnxRuntimeLoadTests
{
    [Fact]
    public void The_native_library_of_the_pinned_package_loads()
    {
        Assert.Equal("1.32.0", OrtEnv.Instance().GetVersionString());
        Assert.Contains("CPUExecutionProvider", OrtEnv.Instance().GetAvailableProviders());
        if (!OperatingSystem.IsLinux()) return;
        // The library mapped into this process is the package's copy under the test output, not one
        // installed on the machine, so CI tests what the package ships.
        var mapped = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]) == "libonnxruntime.so").Select(f => f[5]).Distinct().ToArray();
        var library = Assert.Single(mapped);
        Assert.StartsWith(Path.Combine(AppContext.BaseDirectory, "runtimes"), library);
    }
}
