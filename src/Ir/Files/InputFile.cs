using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace GraphDsl.Ir.Files;

/// <summary>
/// The one way an input file is read. Only a regular file is opened (a FIFO would block, a device such as
/// /dev/zero never ends, a directory is no input), its size is checked against the caller's limit before a
/// byte is read, and the read itself stops one byte past the limit (the file may grow while it is read), so
/// memory stays bounded by the limit whatever the path names. Each refusal is an
/// <see cref="InputFileException"/>, an <see cref="IOException"/> that names the path and the reason.
/// </summary>
public static class InputFile
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>The file's bytes; <paramref name="what"/> names the kind of file in a refusal ("a .moe source").</summary>
    public static byte[] ReadAllBytes(string path, long limit, string what)
    {
        using var stream = OpenRead(path);
        long length = stream.Length;
        if (length > limit) throw new InputFileTooLargeException(path, what, length, limit, grew: false);
        using var buffer = new MemoryStream((int)Math.Min(length, limit));
        var chunk = new byte[ChunkBytes];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) throw new InputFileTooLargeException(path, what, buffer.Length, limit, grew: true);
        }
        return buffer.ToArray();
    }

    /// <summary>The file's text, decoded as File.ReadAllText does (UTF-8 unless a byte-order mark says otherwise).</summary>
    public static string ReadAllText(string path, long limit, string what) => Text(ReadAllBytes(path, limit, what));

    /// <summary>A file's bytes as text, decoded as File.ReadAllText does (UTF-8 unless a byte-order mark says otherwise).</summary>
    public static string Text(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Opens a regular file for reading, for formats that read parts of a file at positions the file itself
    /// bounds (safetensors). Refuses anything else before it is opened; afterwards a stream that cannot seek
    /// (a pipe or device the type check could not see, as on Windows) is refused too.
    /// </summary>
    public static FileStream OpenRead(string path)
    {
        var kind = FileKinds.Of(path);
        if (kind is not (FileKind.Regular or FileKind.Missing)) throw new InputFileException(path, FileKinds.NotAFile(kind));
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.CanSeek) return stream;
        stream.Dispose();
        throw new InputFileException(path, "it is not a regular file (it cannot seek)");
    }

    /// <summary>A file's length without opening it, for a reader that is handed the text by someone else (the compiler
    /// hands the source generator its additional files) and must refuse an oversized file before asking for it; null
    /// when the file system will not say (the read then reports why).</summary>
    public static long? SizeOnDisk(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>"16 MiB", or the exact byte count when it is not a whole number of MiB.</summary>
    public static string Size(long bytes) =>
        bytes >= 1 << 20 && bytes % (1 << 20) == 0
            ? (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB"
            : bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}

/// <summary>An input file was refused or could not be read: <see cref="Exception.Message"/> names the path
/// ("cannot read 'x': it is a FIFO ..."), <see cref="Reason"/> is the part after the path.</summary>
public class InputFileException : IOException
{
    public InputFileException(string path, string reason) : base($"cannot read '{path}': {reason}")
    {
        Path = path; Reason = reason;
    }

    public string Path { get; }
    public string Reason { get; }
}

/// <summary>The file is larger than the limit for its kind.</summary>
public sealed class InputFileTooLargeException : InputFileException
{
    public InputFileTooLargeException(string path, string what, long size, long limit, bool grew)
        : base(path, grew
            ? $"it grew past the {InputFile.Size(limit)} limit for {what} while it was read"
            : $"it is {size.ToString("N0", CultureInfo.InvariantCulture)} bytes, over the {InputFile.Size(limit)} limit for {what}")
    {
        Size = size; Limit = limit;
    }

    /// <summary>Bytes found: the file's length, or (when it grew) the bytes read when the read stopped.</summary>
    public long Size { get; }
    public long Limit { get; }
}
