using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// An engine's launch command as words: the program (<c>vllm serve</c>), positional arguments (the model) and
/// flags with their values, in order. Rendered one flag a line with shell continuations, values single-quoted where
/// the shell would split them; <see cref="Parse"/> reads a script of such commands back (comments and blank lines
/// skipped), which is how exports are checked.
/// </summary>
public sealed class LaunchCommand
{
    public LaunchCommand(IEnumerable<string> program, params string[] positional)
    {
        Program = program.ToList();
        Positional = positional.ToList();
    }

    public List<string> Program { get; }
    public List<string> Positional { get; }
    public List<(string Flag, string? Value)> Flags { get; } = new();

    /// <summary>The flags whose value is a file the export writes beside the script (an options YAML, an expert map).</summary>
    private readonly HashSet<string> _besideScript = new();

    /// <summary>The shell variable that holds the script's folder, set by <see cref="ScriptFolderLine"/>.</summary>
    private const string ScriptFolder = "here";

    /// <summary>The line a script with side files starts its commands with: the script's own folder, absolute (POSIX sh). A
    /// side file named by its bare name was looked up in the folder the script was run from, so
    /// <c>sh plans/trtllm.sh</c> started trtllm-serve without plans/trtllm-extra.yaml.</summary>
    public const string ScriptFolderLine = ScriptFolder + "=\"$(cd \"$(dirname \"$0\")\" && pwd)\"";

    private const string BesidePrefix = "$" + ScriptFolder + "/";

    /// <summary>Adds a flag whose value is <paramref name="file"/>, which the export writes beside the script: the script
    /// names it in its own folder, so it runs from any directory. <see cref="Value"/> and <see cref="Words"/> give the bare
    /// name (the export's file; Dynamo's worker arguments name it in the container).</summary>
    public LaunchCommand AddBesideScript(string flag, string file)
    {
        _besideScript.Add(flag);
        return Add(flag, file);
    }

    /// <summary>Whether <paramref name="flag"/>'s value names a file in the script's folder ("$here/NAME"): what the export
    /// check asks of a script's side files, which by a bare name are looked up where the script is run from.</summary>
    public bool IsBesideScript(string flag) => _besideScript.Contains(flag);

    public LaunchCommand Add(string flag, object? value = null)
    {
        Flags.Add((flag, value switch
        {
            null => null,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString(),
        }));
        return this;
    }

    /// <summary>The value of a flag, or null when it is absent or takes none.</summary>
    public string? Value(string flag) => Flags.FirstOrDefault(f => f.Flag == flag).Value;

    public bool Has(string flag) => Flags.Any(f => f.Flag == flag);

    /// <summary>Every word (program, positional arguments, flags and values), as a process would receive them.</summary>
    public IEnumerable<string> Words() =>
        Program.Concat(Positional).Concat(Flags.SelectMany(f => f.Value is null ? new[] { f.Flag } : new[] { f.Flag, f.Value }));

    public string Render()
    {
        var sb = new StringBuilder(string.Join(" ", Program.Concat(Positional).Select(Quote)));
        foreach (var (flag, value) in Flags)
            sb.Append(" \\\n    ").Append(flag).Append(value is null ? "" : " " + (_besideScript.Contains(flag) ? BesideScript(value) : Quote(value)));
        return sb.Append('\n').ToString();
    }

    /// <summary>A side file's name in the script's folder, double-quoted so the folder may hold spaces (the name is the
    /// export's own, a word the shell does not split).</summary>
    private static string BesideScript(string file) => "\"" + BesidePrefix + file + "\"";

    /// <summary>A script of one command, or of one per node (each headed by its node) with a note that says so.</summary>
    public static string Script(string header, IReadOnlyList<LaunchCommand> commands, string headAddress)
    {
        var sb = new StringBuilder(header);
        if (commands.Any(c => c._besideScript.Count > 0))
            sb.Append("\n# the files this script names are read beside it, wherever it is run from\n").Append(ScriptFolderLine).Append('\n');
        if (commands.Count > 1) sb.Append($"# one command per node: run node k's on node k ({headAddress} is the first node's address)\n");
        for (int k = 0; k < commands.Count; k++) sb.Append(commands.Count > 1 ? $"\n# node {k}\n" : "\n").Append(commands[k].Render());
        return sb.ToString();
    }

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>The commands of a script: lines joined at trailing backslashes, comments and blank lines skipped, words
    /// split at spaces outside single quotes. Each is split into program, positional arguments and flags by the spec
    /// (its program's words, then <see cref="EngineSpec.Positional"/> words, then flags: a word starting with '--' takes
    /// the next word as its value unless the spec says it is a flag). Commands of other programs are returned with no
    /// flags read.</summary>
    public static List<LaunchCommand> Parse(string script, EngineSpec spec)
    {
        var commands = new List<LaunchCommand>();
        foreach (var line in Lines(script))
        {
            if (line == ScriptFolderLine) continue;
            var words = Split(line);
            if (words.Count < spec.Command.Count || !words.Take(spec.Command.Count).SequenceEqual(spec.Command))
            {
                commands.Add(new LaunchCommand(words));
                continue;
            }
            commands.Add(FromWords(words.Skip(spec.Command.Count).ToList(), spec));
        }
        return commands;
    }

    /// <summary>A command of <paramref name="spec"/>'s engine from the words after its program.</summary>
    public static LaunchCommand FromWords(IReadOnlyList<string> words, EngineSpec spec)
    {
        int n = Math.Min(spec.Positional, words.Count);
        var c = new LaunchCommand(spec.Command, words.Take(n).ToArray());
        for (int i = n; i < words.Count; i++)
        {
            var w = words[i];
            bool takesValue = !(spec.Flags.TryGetValue(w, out var a) && a.Type == "flag") && i + 1 < words.Count && !words[i + 1].StartsWith("--", StringComparison.Ordinal);
            var value = takesValue ? words[++i] : null;
            if (value is not null && value.StartsWith(BesidePrefix, StringComparison.Ordinal)) c.AddBesideScript(w, value[BesidePrefix.Length..]);
            else c.Flags.Add((w, value));
        }
        return c;
    }

    private static IEnumerable<string> Lines(string script)
    {
        var current = new StringBuilder();
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.EndsWith('\\')) { current.Append(line, 0, line.Length - 1).Append(' '); continue; }
            current.Append(line);
            yield return current.ToString();
            current.Clear();
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private static List<string> Split(string line)
    {
        var words = new List<string>();
        var w = new StringBuilder();
        bool quoted = false, doubleQuoted = false, any = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'' && !doubleQuoted) { quoted = !quoted; any = true; continue; }
            // Double quotes only as the export writes them, around a side file's "$here/NAME" (no escapes inside).
            if (c == '"' && !quoted) { doubleQuoted = !doubleQuoted; any = true; continue; }
            if (!quoted && c == '\\' && i + 1 < line.Length) { w.Append(line[++i]); any = true; continue; }
            if (!quoted && !doubleQuoted && char.IsWhiteSpace(c)) { if (any) words.Add(w.ToString()); w.Clear(); any = false; continue; }
            w.Append(c);
            any = true;
        }
        if (any) words.Add(w.ToString());
        return words;
    }
}
