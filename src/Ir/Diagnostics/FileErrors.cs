using System;
using System.IO;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>The reason a file could not be read or written, worded for a diagnostic.</summary>
public static class FileErrors
{
    /// <summary>Whether <paramref name="e"/> is a failure of the file system (missing, denied, a bad path)
    /// rather than a bug: the exceptions File.ReadAllText and File.WriteAllText throw for bad paths.</summary>
    public static bool IsFileSystemError(Exception e) =>
        e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    /// <summary>.NET reports reading a directory as "Access to the path is denied"; say what it is.</summary>
    public static string Reason(string path, Exception e) =>
        Directory.Exists(path) ? "it is a directory, not a file" : e.Message;
}
