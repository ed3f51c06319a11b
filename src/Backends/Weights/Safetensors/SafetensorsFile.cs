using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>
/// A safetensors file open for reading: 8 bytes of little-endian header length N, N bytes of JSON
/// header, then the tensors' bytes. The header is validated when the file is opened; tensor data is
/// read on demand, so memory stays bounded by the header limit and the tensors actually read.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _dataStart;

    private SafetensorsFile(Stream stream, bool leaveOpen, SafetensorsHeader header, long dataStart)
    {
        _stream = stream; _leaveOpen = leaveOpen; Header = header; _dataStart = dataStart;
    }

    public SafetensorsHeader Header { get; }
    public IReadOnlyList<SafetensorsEntry> Tensors => Header.Entries;
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Opens a regular file (a FIFO or device is refused before it is opened, see
    /// <see cref="GraphDsl.Ir.Files.InputFile.OpenRead"/>); tensor data is read later, within the file's length.</summary>
    public static SafetensorsFile Open(string path)
    {
        var stream = GraphDsl.Ir.Files.InputFile.OpenRead(path);
        try { return Read(stream); }
        catch { stream.Dispose(); throw; }
    }

    public static SafetensorsFile FromBytes(byte[] bytes) => Read(new MemoryStream(bytes, writable: false));

    /// <summary>Reads and validates the header of a seekable stream (owned unless <paramref name="leaveOpen"/>).</summary>
    public static SafetensorsFile Read(Stream stream, bool leaveOpen = false)
    {
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("safetensors needs a readable, seekable stream", nameof(stream));
        long length = stream.Length;
        if (length < 8)
            throw new SafetensorsException($"the file has {length} bytes, too few for the 8-byte header length (truncated?)");
        var prefix = new byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix, 0, 8);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > SafetensorsHeader.MaxHeaderBytes)
            throw new SafetensorsException($"the header length {headerLength} exceeds the {(SafetensorsHeader.MaxHeaderBytes / 1e6).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} MB limit (not a safetensors file?)");
        if ((long)headerLength > length - 8)
            throw new SafetensorsException($"the header length {headerLength} exceeds the {length - 8} bytes after it (truncated file?)");
        var json = new byte[headerLength];
        stream.ReadExactly(json, 0, json.Length);
        long dataStart = 8 + (long)headerLength;
        var header = SafetensorsHeader.Parse(json, length - dataStart);
        return new SafetensorsFile(stream, leaveOpen, header, dataStart);
    }

    public bool Contains(string name) => Header.ByName.ContainsKey(name);

    public SafetensorsEntry this[string name] =>
        Header.ByName.TryGetValue(name, out var e) ? e : throw new SafetensorsException("is not in the file", name);

    /// <summary>The tensor's raw little-endian bytes.</summary>
    public byte[] ReadBytes(string name)
    {
        var entry = this[name];
        if (entry.ByteLength > Array.MaxLength) throw new SafetensorsException($"holds {entry.ByteLength} bytes, too many for one array", name);
        var bytes = new byte[entry.ByteLength];
        _stream.Position = _dataStart + entry.Begin;
        _stream.ReadExactly(bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>The tensor's values converted to f32, row-major.</summary>
    public float[] ReadFloat32(string name)
    {
        var entry = this[name];
        if (entry.ElementCount > Array.MaxLength) throw new SafetensorsException($"holds {entry.ElementCount} elements, too many for one array", name);
        return ElementConversion.ToFloat32(entry.DType, ReadBytes(name));
    }

    /// <summary>The tensor's values converted to f32, row-major, in chunks of at most <paramref name="chunkElements"/>:
    /// a scan of every value (<c>graphdsl weights check</c>) holds one chunk at a time, whatever the tensor's size.</summary>
    public IEnumerable<float[]> ReadFloat32Chunks(string name, int chunkElements = 1 << 20)
    {
        var entry = this[name];
        int size = entry.DType.SizeInBytes();
        var buffer = new byte[(int)Math.Min(entry.ByteLength, (long)Math.Max(1, chunkElements) * size)];
        for (long done = 0; done < entry.ByteLength;)
        {
            int n = (int)Math.Min(buffer.Length, entry.ByteLength - done);
            _stream.Position = _dataStart + entry.Begin + done;
            _stream.ReadExactly(buffer, 0, n);
            done += n;
            yield return ElementConversion.ToFloat32(entry.DType, buffer.AsSpan(0, n));
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
