using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace GraphDsl.TestSupport;

/// <summary>
/// Verify-style snapshots without the Verify package: the expected text lives in
/// <c>{TestClass}.{TestMethod}[.{name}].verified.{ext}</c> beside the test file. On a mismatch (or a
/// first run) the actual text is written to <c>*.received.*</c> (git-ignored) and the test fails;
/// run with <c>GRAPHDSL_ACCEPT=1</c> to accept the received text as verified.
/// </summary>
public static class Snapshot
{
    public static void Verify(string actual, string? name = null, string extension = "txt",
        [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "")
    {
        var dir = Path.GetDirectoryName(testFile)!;
        var cls = Path.GetFileNameWithoutExtension(testFile);
        var stem = cls + "." + testMethod + (name is null ? "" : "." + Sanitize(name));
        var verified = Path.Combine(dir, stem + ".verified." + extension);
        var received = Path.Combine(dir, stem + ".received." + extension);
        actual = Normalize(Scrub(actual));

        if (Environment.GetEnvironmentVariable("GRAPHDSL_ACCEPT") == "1")
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        if (!File.Exists(verified))
        {
            File.WriteAllText(received, actual);
            throw new Xunit.Sdk.XunitException($"First verification: {Path.GetFileName(verified)} not found. Received text written to {received}; " +
                "review it and rerun with GRAPHDSL_ACCEPT=1 to accept.");
        }
        var expected = Normalize(File.ReadAllText(verified));
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        throw new Xunit.Sdk.XunitException($"Snapshot mismatch for {Path.GetFileName(verified)}; received text written to {received}.\n" +
            FirstDifference(expected, actual) + "\nRerun with GRAPHDSL_ACCEPT=1 to accept.");
    }

    /// <summary>Replaces unstable text: the repository path and timings.</summary>
    public static string Scrub(string text)
    {
        var root = RepoRoot();
        if (root is not null) text = text.Replace(root, "{RepoRoot}");
        text = text.Replace(Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar), "{TempPath}");
        return Regex.Replace(text, @"\b\d+(\.\d+)?\s?(ms|µs|us)\b", "{time}");
    }

    public static string? RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "GraphDsl.sln"))) dir = Path.GetDirectoryName(dir);
        return dir;
    }

    private static string Normalize(string s) => s.Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    private static string Sanitize(string name) => Regex.Replace(name, @"[^A-Za-z0-9_.-]", "_");

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end>";
            var al = i < a.Length ? a[i] : "<end>";
            if (el != al) return $"line {i + 1}:\n  expected: {el}\n  received: {al}";
        }
        return "";
    }
}
