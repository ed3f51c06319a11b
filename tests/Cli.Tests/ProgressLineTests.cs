using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using GraphDsl.Cli.Rendering;

namespace GraphDsl.Cli.Tests;

/// <summary>Progress of long runs goes to standard error only when it is a terminal, and is erased when the run ends.</summary>
[Collection(nameof(CliCollection))]
public class ProgressLineTests
{
    [Fact]
    public void Redirected_standard_error_gets_no_progress_even_from_a_run_past_the_threshold()
    {
        Assert.True(Console.IsErrorRedirected); // the test host pipes it, as a script or CI would
        var after = ProgressLine.After;
        try
        {
            ProgressLine.After = TimeSpan.Zero;
            var r = CliRunner.Run("sweep", "samples/tiny-moe.moe", "--hardware", "h100-sxm,h200-sxm", "--gpus", "1,2", "--batch", "1,2,4,8", "--context", "4k,8k");
            Assert.Equal(0, r.ExitCode);
            Assert.DoesNotContain("sweep:", r.Err);
            Assert.DoesNotContain("\r", r.Err);
            var serve = CliRunner.Run("serve", "samples/tiny-moe.moe", "--hardware", "h100-sxm", "--workload", "poisson:rate=4,prompt=64,output=16", "--requests", "50");
            Assert.Equal(0, serve.ExitCode);
            Assert.DoesNotContain("\r", serve.Err);
        }
        finally { ProgressLine.After = after; }
    }

    [Fact]
    public void A_terminal_sees_the_count_and_the_line_is_erased_at_the_end()
    {
        var (terminal, after, error) = (ProgressLine.StderrIsTerminal, ProgressLine.After, Console.Error);
        var captured = new StringWriter();
        // Writes come from the timer's thread: the synchronized writer locks itself, and reads take the same lock.
        var sync = TextWriter.Synchronized(captured);
        try
        {
            ProgressLine.StderrIsTerminal = () => true;
            ProgressLine.After = TimeSpan.Zero;
            Console.SetError(sync);
            string text;
            using (var progress = ProgressLine.Start("sweep", 10))
            {
                progress.Set(4);
                var clock = Stopwatch.StartNew();
                while (!(text = Read(sync, captured)).Contains("sweep: 4/10 (40%), ", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
                Assert.StartsWith("\rsweep: 4/10 (40%), ", text);
            }
            text = Read(sync, captured);
            int width = text.LastIndexOf('\r', text.Length - 2) is var i and >= 0 ? text.Length - i - 2 : 0;
            Assert.EndsWith("\r" + new string(' ', width) + "\r", text);
            Assert.True(width >= "sweep: 4/10 (40%), 0.0 s".Length);
        }
        finally
        {
            Console.SetError(error);
            (ProgressLine.StderrIsTerminal, ProgressLine.After) = (terminal, after);
        }
    }

    private static string Read(TextWriter sync, StringWriter w) { lock (sync) return w.ToString(); }
}
