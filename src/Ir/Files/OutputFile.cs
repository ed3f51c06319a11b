using System;
using System.IO;

namespace GraphDsl.Ir.Files;

/// <summary>
/// The one way an output file is written: into a temporary file beside the target, renamed over the
/// target only once the whole content is written and flushed. A run that fails or is killed midway leaves
/// the previous file as it was (and, after a kill, a hidden <c>.NAME.*.tmp</c> beside it), never a
/// truncated one. Outputs that are not regular files (<c>-o /dev/null</c>, a pipe from the shell's
/// <c>&gt;(...)</c>) are written in place: there is nothing there to preserve.
/// </summary>
public static class OutputFile
{
    /// <summary>A temporary name must still fit the usual 255-byte limit on a file name.</summary>
    private const int MaxNameChars = 200;

    public static void Write(string path, Action<Stream> write)
    {
        var target = FinalTarget(path);
        var kind = FileKinds.Of(target);
        if (kind == FileKind.Directory) throw new IOException(FileKinds.NotAFile(kind));
        if (kind is not (FileKind.Regular or FileKind.Missing))
        {
            using var direct = new FileStream(target, FileMode.Open, FileAccess.Write);
            write(direct);
            return;
        }
        var full = Path.GetFullPath(target);
        var folder = Path.GetDirectoryName(full) ?? ".";
        var name = Path.GetFileName(full);
        if (name.Length > MaxNameChars) name = name.Substring(0, MaxNameChars);
        var temp = Path.Combine(folder, "." + name + "." + Path.GetRandomFileName() + ".tmp");
        try
        {
            using (var stream = CreateTemporary(temp, folder))
            {
                write(stream);
                // On disk before the rename, so a crash of the machine cannot leave the new name on empty data.
                if (stream.CanWrite) stream.Flush(flushToDisk: true);
            }
            KeepPermissions(full, temp);
            Replace(temp, full);
        }
        catch
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The temporary file; a failure names the folder, not the temporary name the user never gave.</summary>
    private static FileStream CreateTemporary(string temp, string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"the folder '{folder}' does not exist");
        try { return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None); }
        catch (UnauthorizedAccessException) { throw new UnauthorizedAccessException($"no permission to create a file in '{folder}'"); }
    }

    /// <summary>Writing through a symbolic link replaces the file it points to, as File.Create would, not the link.</summary>
    private static string FinalTarget(string path)
    {
#if NET
        try { return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path; }
        catch (IOException) { return path; }
#else
        return path;
#endif
    }

    /// <summary>The replaced file's permissions carry over (File.Create on an existing file keeps them too).</summary>
    private static void KeepPermissions(string target, string temp)
    {
#if NET
        if (!OperatingSystem.IsWindows() && File.Exists(target)) File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
#endif
    }

    private static void Replace(string temp, string target)
    {
#if NET
        File.Move(temp, target, overwrite: true);
#else
        if (File.Exists(target)) File.Replace(temp, target, null);
        else File.Move(temp, target);
#endif
    }
}
