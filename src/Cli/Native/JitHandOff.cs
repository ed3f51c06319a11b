using System;

namespace GraphDsl.Cli.Native;

/// <summary>Which command lines the native binary hands whole to the JIT build (<see cref="JitHandOff"/> is compiled in
/// both builds so the decision is tested; only the native one acts on it). <c>run</c> is one: every token after it,
/// <c>--help</c> included, goes to the JIT build, so <c>graphdsl run --help</c> prints the real options rather than the
/// native stand-in's. The root takes no options before a command, so <c>run</c> is the first token when it is asked for.</summary>
public static class JitHandOff
{
    /// <summary>The arguments to give the JIT build's <c>run</c>, or null when the command line is not a <c>run</c>.</summary>
    public static string[]? RunArguments(string[] args) =>
        args.Length > 0 && args[0] == "run" ? args[1..] : null;
}
