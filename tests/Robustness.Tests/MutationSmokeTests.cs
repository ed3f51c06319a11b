using System;
using System.IO;
using System.Linq;
using GraphDsl.Fuzz;
using GraphDsl.TestSupport;

namespace GraphDsl.Robustness.Tests;

/// <summary>
/// The deterministic smoke of every fuzz target (docs/robustness.md): the committed corpus as it is, then 10,000
/// mutated inputs of a fixed seed (bit flips, byte insertion and deletion, splices, boundary numbers, huge repeats).
/// No input may escape the reader's diagnostic path, reach GD0899, or take longer than the per-input limit.
/// A failure names the input by (seed, index): <c>dotnet run --project tools/Fuzz -c Release -- TARGET mutant SEED INDEX FILE 32768</c>
/// writes it, and <c>... TARGET repro FILE</c> runs it.
/// </summary>
public class MutationSmokeTests
{
    public const ulong Seed = 20261206;
    public const int Executions = 10_000;

    /// <summary>Mutated inputs are cut at 32 KB (the fuzzing runs allow 256 KB): the readers are linear in their input,
    /// so this keeps the ten thousand inputs of the slowest target (the frontend) within about half a minute.</summary>
    public const int MaxBytes = 32 * 1024;

    /// <summary>Generous for a loaded two-core CI machine: the readers answer in milliseconds.</summary>
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_inputs_get_a_diagnostic_in_bounded_time(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var corpus = Corpus.Load(Path.Combine(Repo.Root, Corpus.RelativeRoot, name));
        Assert.NotEmpty(corpus);
        var report = MutationLoop.Run(target, corpus, Seed, Executions, slowLimit: PerInputLimit, maxBytes: MaxBytes);
        Assert.True(report.Findings.Count == 0, string.Join("\n", report.Findings.Select(f =>
            $"input {f.Index} of seed {Seed} ({f.Input.Length} bytes): {f.Signature}: {f.Message}\n{f.StackTrace}")));
        Assert.Equal(Executions + corpus.Count, report.Executions);
    }
}
