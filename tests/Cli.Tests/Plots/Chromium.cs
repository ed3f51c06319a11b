using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace GraphDsl.Cli.Tests.Plots;

/// <summary>Headless Chromium for the tests that render our pages: found on PATH (Debian's <c>chromium</c>, which
/// <c>.ci/run</c> installs), run once per page with <c>--dump-dom</c> (the DOM after the page's scripts ran) and the
/// browser's log on standard error, where every console message appears as a <c>:CONSOLE</c> line.</summary>
internal static class Chromium
{
    public const string Missing = "chromium is not installed (Debian: apt-get install chromium; .ci/run installs it), so the pages are not rendered in a browser here";

    public static readonly string? Path = new[] { "chromium", "chromium-browser", "google-chrome" }
        .Select(Find).FirstOrDefault(p => p is not null);

    public sealed record Page(string Dom, string[] Console);

    /// <summary>Loads <paramref name="file"/> (with an optional #fragment) and returns the DOM after scripts ran and the
    /// console messages; fails the test if the browser does not finish within a minute.</summary>
    public static Page Load(string file, string fragment = "")
    {
        var profile = Directory.CreateTempSubdirectory("graphdsl-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Path!)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the page is our own file.
            foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
                         "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(file).AbsoluteUri + fragment })
                start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish loading {file} within 60 s");
            }
            Task.WaitAll(stdout, stderr);
            var console = stderr.Result.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToArray();
            return new Page(stdout.Result, console);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(dir => System.IO.Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
