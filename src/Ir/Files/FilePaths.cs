using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace GraphDsl.Ir.Files;

/// <summary>Where a path really leads, and whether it lies under a folder: the checks that confine what a
/// file may reach (imports to their roots).</summary>
public static class FilePaths
{
    /// <summary>As the kernel's limit on links followed while resolving one path (Linux MAXSYMLINKS).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The absolute path with every symbolic link resolved, component by component (realpath(3)), after the
    /// path's own "." and ".." are folded (Path.GetFullPath: the folded path is the one a caller opens); null
    /// when the links loop or cannot be resolved on this runtime. A component that does not exist is kept as
    /// written.
    /// </summary>
    public static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full) ?? "";
        var pending = new Stack<string>();
        PushSegments(pending, full.Substring(current.Length));
        int links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
            var next = Path.Combine(current, part);
            var target = LinkTarget(next, out bool unresolvable);
            if (unresolvable) return null;
            if (target is null) { current = next; continue; }
            if (++links > MaxLinks) return null;
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? "";
                target = target.Substring(current.Length);
            }
            PushSegments(pending, target);
        }
        return current;
    }

    /// <summary>Whether two paths lead to one file: compared after every link is resolved (<see cref="RealPath"/>), so
    /// <c>./x</c> and <c>x</c>, or a link and the file it points to, are the same; an unresolvable path compares as written.</summary>
    public static bool SamePath(string a, string b)
    {
        var comparison = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(RealPath(a) ?? Path.GetFullPath(a), RealPath(b) ?? Path.GetFullPath(b), comparison);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it (both absolute, normalized).</summary>
    public static bool IsUnder(string path, string folder)
    {
        var comparison = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var dir = folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (path.Equals(dir, comparison)) return true;
        return path.StartsWith(dir + Path.DirectorySeparatorChar, comparison);
    }

    private static void PushSegments(Stack<string> pending, string relative)
    {
        var parts = relative.Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>The target a link at <paramref name="path"/> holds (null when it is no link or does not exist).</summary>
    private static string? LinkTarget(string path, out bool unresolvable)
    {
        unresolvable = false;
#if NET
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
#else
        // netstandard2.0 cannot read a link; a link is then refused rather than followed blindly.
        try { unresolvable = (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
#endif
    }
}
