using System.CommandLine;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl compile FILE [--passes P] [--emit ir|json] [-o OUT]</c> and
/// <c>graphdsl opt FILE.gir --passes P</c>: run a pipeline and print the resulting IR.</summary>
internal static class CompileCommand
{
    public static Command Create() => Build("compile", "Compile a .moe file to IR, optionally through a pass pipeline.", withModel: true);

    public static Command CreateOpt() => Build("opt", "Read textual IR (.gir), run a pass pipeline over it and print the result (like mlir-opt).", withModel: false);

    private static Command Build(string name, string description, bool withModel)
    {
        var file = new Argument<string>("file") { Description = withModel ? ".moe file" : ".gir file (textual IR)" };
        var emit = new Option<string>("--emit") { Description = "ir (textual IR) or json", DefaultValueFactory = _ => "ir" };
        emit.AcceptOnlyFromAmong("ir", "json");
        var locations = new Option<bool>("--locations") { Description = "print each op's source location" };
        var output = CommonOptions.Output();
        var source = new SourceOptions();
        var pipeline = new PipelineOptions();
        var cmd = new Command(name, description) { file, emit, locations, output };
        if (withModel) source.AddTo(cmd);
        pipeline.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            var p = pipeline.Pipeline(r, diagnostics);
            if (p is null) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }
            var path = r.GetValue(file)!;
            if (!DistinctOutputs.NotTheInput("-o", r.GetValue(output), "FILE", path)) return ExitCodes.UsageError;
            Module? module = withModel ? source.Load(r, path) : Driver.LoadIr(path);
            if (module is null) return ExitCodes.InputError;
            module = Driver.RunPipeline(module, p, pipeline.Instrumentation(r));
            if (module is null) return ExitCodes.InputError;
            var text = r.GetValue(emit) == "json" ? IrJsonWriter.Write(module) : IrPrinter.Print(module, r.GetValue(locations));
            return Driver.WriteOutput(r.GetValue(output), text) ? ExitCodes.Ok : ExitCodes.InputError;
        });
        return cmd;
    }
}
