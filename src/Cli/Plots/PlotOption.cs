using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Plots;

/// <summary>One picture asked for: what and where.</summary>
public sealed record PlotRequest(PlotKind Kind, string Path);

/// <summary>
/// <c>--plot [KIND:]FILE.svg</c>, repeatable, on the commands that draw (predict, sweep, plan, serve): each names a picture
/// of the command's <see cref="PlotKind"/>s (the first is the default) and its file. Checked with the other options,
/// before anything runs: an unknown kind or one the command does not draw, a file not named .svg, the same file twice
/// (GD0842) and a missing folder (GD0843). The files are written like every output, whole or not at all.
/// </summary>
internal sealed class PlotOption
{
    private readonly string _command;
    private readonly PlotKind[] _kinds;

    public PlotOption(string command, PlotKind[] kinds)
    {
        _command = command; _kinds = kinds;
        Option = new Option<string[]>("--plot")
        {
            Description = $"draw a picture as SVG, [KIND:]FILE.svg (repeatable); KIND is {string.Join(", ", kinds.Select((k, i) => i == 0 ? k.Name + " (default)" : k.Name))}: "
                + string.Join("; ", kinds.Select(k => $"{k.Name}: {k.Summary}")),
            AllowMultipleArgumentsPerToken = false,
        };
    }

    public Option<string[]> Option { get; }

    /// <summary>The pictures asked for, checked; those in error are reported and left out.</summary>
    public IReadOnlyList<PlotRequest> Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        var requests = new List<PlotRequest>();
        foreach (var value in r.GetValue(Option) ?? Array.Empty<string>())
        {
            void Bad(string message) => diagnostics.Report(DiagnosticCatalog.InvalidPlot, SourceSpan.None, $"--plot '{value}': {message}");
            var (kindName, path) = Split(value);
            var kind = kindName is null ? _kinds[0] : _kinds.FirstOrDefault(k => k.Name == kindName);
            if (kind is null)
            {
                var other = PlotKind.All.FirstOrDefault(k => k.Name == kindName);
                Bad(other is not null
                    ? $"{_command} does not draw {other.Name} ({other.Summary}); {Drawn()}"
                    : $"unknown plot '{kindName}'{GraphDsl.Ir.Suggest.DidYouMean(kindName!, _kinds.Select(k => k.Name))}; {Drawn()}");
                continue;
            }
            if (path.Length == 0) { Bad("no file named; give KIND:FILE.svg"); continue; }
            var extension = System.IO.Path.GetExtension(path);
            if (extension.Length > 0 && !extension.Equals(".svg", StringComparison.OrdinalIgnoreCase))
            {
                Bad($"plots are written as SVG, not '{extension}'; name the file .svg");
                continue;
            }
            if (requests.Any(q => GraphDsl.Ir.Files.FilePaths.SamePath(q.Path, path))) { Bad($"'{path}' is named twice; give each picture its own file"); continue; }
            if (!OutputFolder.Exists("--plot", path, diagnostics, DiagnosticCatalog.InvalidPlot)) continue;
            requests.Add(new PlotRequest(kind, path));
        }
        return requests;
    }

    private string Drawn() => $"{_command} draws {string.Join(", ", _kinds.Select(k => k.Name))}";

    /// <summary>KIND:PATH where the text before the first colon is a word of letters and dashes (two or more, so a
    /// Windows drive letter stays part of the path); otherwise all of it is the path.</summary>
    private static (string? Kind, string Path) Split(string value)
    {
        int colon = value.IndexOf(':');
        if (colon >= 2 && value.Take(colon).All(c => char.IsAsciiLetterLower(c) || c == '-'))
            return (value[..colon], value[(colon + 1)..]);
        return (null, value);
    }

    /// <summary>Draws each picture asked for and writes it; false after reporting a file that could not be written.
    /// A picture with no data (nothing fits) is still written, saying so, with a warning (GD0844).</summary>
    public static bool Write(IReadOnlyList<PlotRequest> requests, Func<PlotKind, Picture> draw)
    {
        foreach (var q in requests)
        {
            var picture = draw(q.Kind);
            if (picture.Nothing is { } why) Driver.Report(DiagnosticCatalog.NothingToPlot.At(SourceSpan.None, q.Kind.Name, q.Path, why));
            if (!Driver.WriteOutput(q.Path, picture.Svg.ToDocument())) return false;
        }
        return true;
    }
}
