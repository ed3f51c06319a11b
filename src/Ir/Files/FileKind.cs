using System;
using System.IO;
using System.Runtime.InteropServices;

namespace GraphDsl.Ir.Files;

/// <summary>What a path names, as stat(2) sees it (symbolic links followed).</summary>
public enum FileKind
{
    /// <summary>Nothing, or something stat cannot reach (then opening it reports why).</summary>
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    /// <summary>A type this runtime cannot tell apart (only where the native status call is missing).</summary>
    Other,
}

/// <summary>
/// The type of a file system entry, asked before the entry is opened: opening a FIFO for reading blocks
/// until a writer comes, and a device such as /dev/zero never ends, so neither may be opened as an input.
/// </summary>
public static class FileKinds
{
    public static FileKind Of(string path)
    {
        if (NativeFileStatus.TryGetType(path, out var kind)) return kind;
        // Windows, or a runtime without the native call: directories and Windows devices are visible to the
        // managed API; anything else that exists is treated as a regular file, and the bounded read and the
        // seekability check (InputFile) stop what that misses.
        try
        {
            if (Directory.Exists(path)) return FileKind.Directory;
            if (!File.Exists(path)) return FileKind.Missing;
            return (File.GetAttributes(path) & FileAttributes.Device) != 0 ? FileKind.CharacterDevice : FileKind.Regular;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return FileKind.Missing;
        }
    }

    /// <summary>Why a path of this kind is no input file, worded for a diagnostic.</summary>
    public static string NotAFile(FileKind kind) =>
        kind == FileKind.Directory ? "it is a directory, not a file" : $"it is {Describe(kind)}, not a regular file";

    /// <summary>"a FIFO (named pipe)", "a directory", ...: the kind as a diagnostic names it.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Missing => "missing",
        _ => "not a regular file",
    };
}

/// <summary>
/// stat(2) through the runtime's own native shim. No public .NET API tells a FIFO or a device from a regular
/// file (<see cref="FileAttributes"/> calls all three Normal), but every .NET runtime on Unix ships
/// libSystem.Native, whose <c>SystemNative_Stat</c> fills a platform-independent <c>FileStatus</c> that starts
/// with <c>int32 Flags, int32 Mode</c>, the type bits normalized to the Linux values (dotnet/runtime,
/// src/native/libs/System.Native/pal_io.h). Where the call is missing (Windows, .NET Framework) the caller
/// falls back to the managed checks.
/// </summary>
internal static class NativeFileStatus
{
    private const int ModeOffset = 4;
    // FileStatus is about 120 bytes on every platform; the buffer leaves room for fields a later runtime adds.
    private const int StatusBytes = 512;
    private const int TypeMask = 0xF000;
    private static bool _unavailable;

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, SetLastError = true)]
    private static extern int Stat(string path, [Out] byte[] status);

    public static bool TryGetType(string path, out FileKind kind)
    {
        kind = FileKind.Missing;
        if (_unavailable || RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return false;
        var status = new byte[StatusBytes];
        try
        {
            if (Stat(path, status) != 0) return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }
        int mode = BitConverter.ToInt32(status, ModeOffset);
        kind = (mode & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return true;
    }
}
