using System.CommandLine;

namespace GraphDsl.Cli.Commands;

/// <summary>Options shared by several commands, declared once.</summary>
internal static class CommonOptions
{
    public static Option<string?> Passes() => new("--passes") { Description = "pass pipeline, e.g. inline,canonicalize" };

    /// <summary>A --passes value of a cost-model command as a pipeline: parsed as written (errors point into the user's
    /// text), and the elements of each pass that runs at a fixed place composed into one (GD0509 when two disagree),
    /// before any file is read; null after reporting.</summary>
    public static GraphDsl.Passes.Core.Pipeline? DeploymentPasses(string? text, GraphDsl.Ir.Diagnostics.DiagnosticBag diagnostics)
    {
        var parsed = GraphDsl.Passes.Core.Pipeline.Parse(text ?? "", diagnostics);
        return parsed is null ? null : GraphDsl.Backends.CostModel.Inputs.DeploymentPipeline.ComposeFixedPlace(parsed, diagnostics);
    }
    public static Option<string?> Model() => new("--model") { Description = "which model of the file (when it defines several)" };

    /// <summary>--import-path DIR (repeatable): more import roots, each an existing directory.</summary>
    public static Option<string[]> ImportPath()
    {
        var o = new Option<string[]>("--import-path", "-I")
        {
            Description = "also resolve imports in this directory (repeatable); imports never reach outside the file's folder, these directories and std/",
            AllowMultipleArgumentsPerToken = false,
        };
        o.Validators.Add(result =>
        {
            foreach (var dir in result.GetValueOrDefault<string[]>() ?? System.Array.Empty<string>())
                if (!System.IO.Directory.Exists(dir)) result.AddError($"--import-path '{dir}': no such directory");
        });
        return o;
    }
    public static Option<string> Format(string dflt, params string[] choices)
    {
        var o = new Option<string>("--format") { Description = "output format: " + string.Join(" or ", choices), DefaultValueFactory = _ => dflt };
        o.AcceptOnlyFromAmong(choices);
        return o;
    }
    public static Option<string?> Output() => new("--output", "-o") { Description = "write the result to this file instead of standard output" };
    public static Option<bool> PrintAfterAll() => new("--print-after-all") { Description = "print the IR after every pass (to standard error)" };
    public static Option<string[]> PrintAfter() => new("--print-after") { Description = "print the IR after the named pass(es)", AllowMultipleArgumentsPerToken = true };
    public static Option<bool> TimePasses() => new("--time-passes") { Description = "report the time each pass took (to standard error)" };
    public static Option<double?> RoutingSkew() => NumberOptions.Float("--routing-skew",
        "power-law exponent of expert popularity assumed without --routing, from 0 (uniform) to 2 (the most skew: past 2 the law's imbalance falls again) (default: the profile's, 1.01)",
        FloatRange.Between(0, GraphDsl.Backends.CostModel.Moe.RoutingSkew.MaxExponent));

    /// <summary>The profile with the --routing-skew override (its range is checked when the option is parsed).</summary>
    public static GraphDsl.Backends.CostModel.Inputs.EfficiencyProfile? WithRoutingSkew(GraphDsl.Backends.CostModel.Inputs.EfficiencyProfile? profile, double? skew) =>
        profile is null || skew is null ? profile : profile with { RoutingSkew = skew.Value };
    public static Option<bool> VerifyEach() => new("--verify-each") { Description = "run the IR verifier after every pass" };
}
