#if GRAPHDSL_AOT
using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Native;

/// <summary><c>graphdsl run</c> in the native (ahead-of-time compiled) binary. ILGPU compiles its kernels with
/// Reflection.Emit while the program runs, which a native binary cannot do, so this build hands the whole command line
/// to the JIT build published beside it (<c>jit/graphdsl.dll</c>, or the file GRAPHDSL_JIT names) and returns its exit
/// code; without one it says so and how to get it (exit 2). Program hands a <c>run</c> command line over before it is
/// parsed (<see cref="JitHandOff"/>), so this command is what <c>graphdsl --help</c> and completion list.</summary>
internal static class JitRunCommand
{
    /// <summary>Where the native publish puts the JIT build, relative to the executable's folder.</summary>
    public const string JitFolder = "jit";

    public static Command Create()
    {
        var args = new Argument<string[]>("arguments") { Description = "the arguments of `run` (see the JIT build's `graphdsl run --help`)", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("run", "Generate tokens with the ILGPU backend. This native binary runs it through the JIT build beside it (jit/graphdsl.dll), since ILGPU compiles kernels at run time.")
            { args };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(r => Delegate(r.Tokens.SkipWhile(t => t.Value != "run").Skip(1).Select(t => t.Value).Concat(r.UnmatchedTokens).ToArray()));
        return cmd;
    }

    /// <summary>Runs the JIT build's <c>run</c> with <paramref name="arguments"/> and returns its exit code.</summary>
    public static int Delegate(string[] arguments)
    {
        var dll = Environment.GetEnvironmentVariable("GRAPHDSL_JIT") is { Length: > 0 } given ? given
            : Path.Combine(AppContext.BaseDirectory, JitFolder, "graphdsl.dll");
        if (!File.Exists(dll))
        {
            Driver.Report(DiagnosticCatalog.NeedsJitBuild.At(SourceSpan.None, "run", "ILGPU compiles its kernels while the program runs, which a native binary cannot", dll));
            return ExitCodes.UsageError;
        }
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("run");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
#endif
