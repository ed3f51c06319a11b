using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Files;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Weights.Tests;

/// <summary>Safetensors files on disk: only regular files are opened, and a write is whole or not at all.</summary>
public class SafetensorsFileSystemTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static readonly SafetensorsTensor Tensor = SafetensorsTensor.FromFloat32("w", new long[] { 2 }, new float[] { 1, 2 });

    [UnixFact]
    public void A_fifo_a_device_or_a_directory_is_refused_before_it_is_opened()
    {
        foreach (var path in new[] { _tree.Fifo("pipe.safetensors"), "/dev/zero", "/dev/urandom", _tree.Folder("dir.safetensors") })
        {
            var e = Bounded.Run(() => Record.Exception(() => SafetensorsFile.Open(path).Dispose()));
            Assert.Matches("^it is a (FIFO \\(named pipe\\), not a regular file|character device, not a regular file|directory, not a file)$",
                Assert.IsType<InputFileException>(e).Reason);
        }
    }

    [Fact]
    public void A_write_that_fails_keeps_the_previous_file()
    {
        var path = _tree.PathOf("w.safetensors");
        SafetensorsWriter.Write(path, new[] { Tensor });
        var before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new[] { Tensor, Tensor }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "w.safetensors" }, Directory.GetFileSystemEntries(_tree.Root).Select(Path.GetFileName).ToArray());
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new float[] { 1, 2 }, file.ReadFloat32("w"));
    }
}
