using System;
using System.IO;

namespace GraphDsl.Fuzz;

/// <summary>
/// One reader of outside input under fuzzing. <see cref="Run"/> feeds it the bytes and returns when the reader
/// accepted them or rejected them through its own diagnostic path (a located diagnostic, or the exception type
/// the reader documents for bad input); anything else escapes as an exception, and the drivers count that as a
/// crash. An internal-error diagnostic (GD0899) is turned into <see cref="InternalErrorReached"/> for the same reason.
/// </summary>
public sealed class FuzzTarget
{
    public FuzzTarget(string name, string summary, Action<byte[]> run)
    {
        Name = name; Summary = summary; _run = run;
    }

    private readonly Action<byte[]> _run;

    /// <summary>The command-line name, also the corpus folder under tools/Fuzz/corpus.</summary>
    public string Name { get; }
    public string Summary { get; }

    public void Run(byte[] input) => _run(input);

    /// <summary>Text as the command-line readers decode a file (File.ReadAllText: byte-order mark detection, UTF-8
    /// with replacement characters otherwise), so the harness sees what the CLI would.</summary>
    internal static string Text(byte[] input)
    {
        using var reader = new StreamReader(new MemoryStream(input, writable: false), detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}

/// <summary>A reader reported GD0899 ("internal error"): a bug, never a verdict on the input.</summary>
public sealed class InternalErrorReached : Exception
{
    public InternalErrorReached(string message) : base(message) { }
}
