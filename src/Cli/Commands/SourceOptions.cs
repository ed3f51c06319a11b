using System;
using System.CommandLine;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Commands;

/// <summary>What picks and finds the program a command compiles: --model (where the command has it) and
/// --import-path, added to a command together.</summary>
internal sealed class SourceOptions
{
    private readonly bool _withModel;

    public SourceOptions(bool withModel = true) { _withModel = withModel; }

    public Option<string?> Model { get; } = CommonOptions.Model();
    public Option<string[]> ImportPaths { get; } = CommonOptions.ImportPath();

    public void AddTo(Command c)
    {
        if (_withModel) c.Add(Model);
        c.Add(ImportPaths);
    }

    public string? ModelName(ParseResult r) => _withModel ? r.GetValue(Model) : null;

    public string[] Roots(ParseResult r) => r.GetValue(ImportPaths) ?? Array.Empty<string>();

    /// <summary>The .moe (or .gir) file compiled with these options; null after printing its diagnostics.</summary>
    public Module? Load(ParseResult r, string path) => Driver.Load(path, ModelName(r), Roots(r));

    /// <summary>The model a cost command prices (<see cref="Driver.LoadServed"/>: --model must not name a part); null after
    /// printing why, with <paramref name="exitCode"/> the code to return.</summary>
    public Module? LoadServed(ParseResult r, string path, out int exitCode) => Driver.LoadServed(path, ModelName(r), Roots(r), out exitCode);

    /// <summary>The part the file declares for its model <paramref name="target"/> (its MTP module).</summary>
    public Module? LoadPart(ParseResult r, string path, string target) => Driver.LoadPart(path, target, Roots(r));

    /// <summary>Another file's default model (a draft model), found with the same import paths.</summary>
    public Module? LoadOther(ParseResult r, string path) => Driver.Load(path, null, Roots(r));
}
