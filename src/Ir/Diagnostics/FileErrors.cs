using System;
using System.IO;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>The reason a file could not be read or written, worded for a diagnostic.</summary>
public static class FileErrors
{
    /// <summary>Whether <paramref name="e"/> is a failure of the file system (missing, denied, a bad path)
    /// rather than a bug: the exceptions file reads and writes throw for bad paths, and the refusals of <see cref="Files.InputFile"/>.</summary>
    public static bool IsFileSystemError(Exception e) =>
        e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    /// <summary>Why, without the path (the diagnostic names it): the refusal of <see cref="Files.InputFile"/>, or,
    /// as .NET reports reading a directory as "Access to the path is denied", what the path is.</summary>
    public static string Reason(string path, Exception e) =>
        e is Files.InputFileException refused ? refused.Reason
        : Directory.Exists(path) ? "it is a directory, not a file" : e.Message;
}
