using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace GraphDsl.Cli.Rendering;

/// <summary>
/// A progress line on standard error for runs that take a while (sweeps, route-stats on large models, serve, plan): it
/// appears only when standard error is a terminal and only once the run has taken <see cref="After"/> (a second), is
/// redrawn in place four times a second ("sweep: 1200/4800 (25%), 3.2 s", or the elapsed time alone where the amount of
/// work is not known) and is erased when the run ends, so it never mixes with the output or the diagnostics. Piped or
/// redirected standard error gets nothing.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    /// <summary>Whether standard error is a terminal; tests replace it to see the line.</summary>
    public static Func<bool> StderrIsTerminal { get; set; } = () => !Console.IsErrorRedirected;

    /// <summary>How long a run goes before its progress shows.</summary>
    public static TimeSpan After { get; set; } = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Redraw = TimeSpan.FromMilliseconds(250);

    private readonly string _what;
    private readonly long _total;
    private readonly TextWriter _error;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private long _done;
    private int _width;
    private bool _closed;

    private ProgressLine(string what, long total, bool show)
    {
        _what = what;
        _total = total;
        _error = Console.Error;
        if (show) _timer = new Timer(_ => Draw(), null, After, Redraw);
    }

    /// <summary>Starts the line for <paramref name="what"/> ("sweep"); <paramref name="total"/> units of work, or 0 when
    /// unknown (then only the elapsed time shows).</summary>
    public static ProgressLine Start(string what, long total = 0) => new(what, total, StderrIsTerminal());

    /// <summary>The units of work done so far (any thread).</summary>
    public void Set(long done) => Interlocked.Exchange(ref _done, done);

    private void Draw()
    {
        lock (_gate)
        {
            if (_closed) return;
            double seconds = _clock.Elapsed.TotalSeconds;
            long done = Interlocked.Read(ref _done);
            var line = _total > 0
                ? string.Format(CultureInfo.InvariantCulture, "{0}: {1}/{2} ({3:F0}%), {4:F1} s", _what, done, _total, 100.0 * done / _total, seconds)
                : string.Format(CultureInfo.InvariantCulture, "{0}: {1:F1} s", _what, seconds);
            _error.Write("\r" + line.PadRight(_width));
            _error.Flush();
            _width = Math.Max(_width, line.Length);
        }
    }

    /// <summary>Stops the line and erases it (if it was shown).</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (_width > 0) { _error.Write("\r" + new string(' ', _width) + "\r"); _error.Flush(); }
        }
    }
}
