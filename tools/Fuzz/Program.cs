using System;
using System.Globalization;
using System.IO;
using System.Linq;
using SharpFuzz;

namespace GraphDsl.Fuzz;

/// <summary>
/// <code>
///   GraphDsl.Fuzz list
///   GraphDsl.Fuzz TARGET afl                      # under afl-fuzz, with the GraphDsl assemblies instrumented (tools/Fuzz/afl.sh)
///   GraphDsl.Fuzz TARGET libfuzzer                # under libfuzzer-dotnet
///   GraphDsl.Fuzz TARGET loop [-n N] [--seed S] [--corpus DIR] [--findings DIR] [--slow-ms 1000] [--max-bytes 262144] [--current FILE]   # coverage-blind, in process
///   GraphDsl.Fuzz TARGET repro FILE...            # runs inputs once each and says what happened
///   GraphDsl.Fuzz TARGET mutant SEED INDEX FILE [MAX-BYTES]   # writes mutated input INDEX of SEED (as the CI smoke names a failure)
/// </code>
/// Exit code 0: no crash; 1: a crash (loop, repro); 2: a bad command line.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "list" or "-h" or "--help")
        {
            Console.WriteLine("usage: GraphDsl.Fuzz TARGET [afl|libfuzzer|loop|repro] [options]; targets:");
            foreach (var t in FuzzTargets.All) Console.WriteLine($"  {t.Name,-13} {t.Summary}");
            return args.Length == 0 ? 2 : 0;
        }
        var target = FuzzTargets.Find(args[0]);
        if (target is null) return Usage($"unknown target '{args[0]}'; known: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
        var mode = args.Length > 1 ? args[1] : "loop";
        var rest = args.Skip(2).ToArray();
        switch (mode)
        {
            case "afl":
                // The inputs run in a child process that SharpFuzz restarts when it dies: an input that hangs (killed at
                // afl-fuzz's -t) or overflows the stack is then one saved finding instead of the end of the campaign,
                // as it is with the in-process Fuzzer.Run. An escaping exception is a crash.
                Fuzzer.OutOfProcess.Run(stream => target.Run(ReadAll(stream)));
                return 0;
            case "libfuzzer":
                Fuzzer.LibFuzzer.Run(span => target.Run(span.ToArray()));
                return 0;
            case "loop":
                return Loop(target, rest);
            case "repro":
                return Repro(target, rest);
            case "mutant":
                return Mutant(target, rest);
            default:
                return Usage($"unknown mode '{mode}'");
        }
    }

    private static int Loop(FuzzTarget target, string[] args)
    {
        long executions = 1_000_000;
        ulong seed = 1;
        string? corpusDir = null, findingsDir = null;
        TimeSpan? slowLimit = TimeSpan.FromSeconds(1);
        int maxBytes = Mutator.DefaultMaxBytes;
        string? current = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "-n": executions = long.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                case "--corpus": corpusDir = Value(); break;
                case "--findings": findingsDir = Value(); break;
                case "--current": current = Value(); break;
                case "--max-bytes": maxBytes = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                case "--slow-ms": slowLimit = TimeSpan.FromMilliseconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                default: return Usage($"unknown option '{args[i]}'");
            }
        }
        corpusDir ??= Path.Combine(Corpus.FindRoot(Directory.GetCurrentDirectory()) ?? Corpus.FindRoot(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException($"{Corpus.RelativeRoot} not found above the working directory"), target.Name);
        findingsDir ??= Path.Combine("artifacts", "fuzz", target.Name);
        var corpus = Corpus.Load(corpusDir);
        Console.WriteLine($"{target.Name}: {corpus.Count} seeds from {corpusDir}, {executions:N0} mutated inputs, seed {seed}");
        var report = MutationLoop.Run(target, corpus, seed, executions,
            onFinding: f =>
            {
                Directory.CreateDirectory(findingsDir);
                var file = Path.Combine(findingsDir, $"crash-{f.Index}");
                File.WriteAllBytes(file, f.Input);
                Console.WriteLine($"CRASH #{f.Index} ({f.Signature}): {f.Message}\n  input: {file}");
            },
            progress: (i, t) => Console.WriteLine(FormattableString.Invariant($"  {i:N0} inputs, {i / t.TotalSeconds:N0}/s")),
            slowLimit: slowLimit, maxBytes: maxBytes,
            // What kills the process (a stack overflow) cannot be caught: the input is on disk before it runs.
            beforeEach: current is null ? null : (_, input) => File.WriteAllBytes(current, input));
        Console.WriteLine(FormattableString.Invariant(
            $"{target.Name}: {report.Executions:N0} executions in {report.Elapsed.TotalSeconds:N1} s ({report.PerSecond:N0}/s), slowest input #{report.SlowestIndex} {report.Slowest.TotalMilliseconds:N1} ms, {report.Findings.Count} distinct crash(es)"));
        return report.Findings.Count == 0 ? 0 : 1;
    }

    private static int Mutant(FuzzTarget target, string[] args)
    {
        if (args.Length is not (3 or 4)) return Usage("mutant needs SEED INDEX FILE [MAX-BYTES]");
        int maxBytes = args.Length == 4 ? int.Parse(args[3], NumberStyles.None, CultureInfo.InvariantCulture) : Mutator.DefaultMaxBytes;
        var corpus = Corpus.Load(Path.Combine(Corpus.FindRoot(Directory.GetCurrentDirectory())
            ?? throw new DirectoryNotFoundException($"{Corpus.RelativeRoot} not found above the working directory"), target.Name));
        var input = new Mutator(corpus, maxBytes).Mutate(ulong.Parse(args[0], CultureInfo.InvariantCulture), long.Parse(args[1], CultureInfo.InvariantCulture));
        File.WriteAllBytes(args[2], input);
        Console.WriteLine($"{args[2]}: {input.Length} bytes");
        return 0;
    }

    private static int Repro(FuzzTarget target, string[] files)
    {
        if (files.Length == 0) return Usage("repro needs input files");
        int crashes = 0;
        foreach (var file in files)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try { target.Run(File.ReadAllBytes(file)); Console.WriteLine(FormattableString.Invariant($"{file}: ok ({watch.Elapsed.TotalMilliseconds:F1} ms)")); }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"{file}: CRASH {MutationLoop.Signature(e)}: {e}");
            }
        }
        return crashes == 0 ? 0 : 1;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine("GraphDsl.Fuzz: " + message + " (run 'list' for the targets)");
        return 2;
    }
}
