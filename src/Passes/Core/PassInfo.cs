using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Passes.Core;

public enum OptionKind { Int, Float, Bool, String, Choice, StringList }

/// <summary>One option a pass accepts, with its default and, for choices, the valid values; passes declare theirs
/// typed (<see cref="PassOption{T}"/>).</summary>
public class PassOptionSpec
{
    public PassOptionSpec(string name, OptionKind kind, string doc, string? defaultValue = null, IReadOnlyList<string>? choices = null, long maximum = long.MaxValue)
    {
        Name = name; Kind = kind; Doc = doc; Default = defaultValue; Choices = choices; Maximum = maximum;
    }
    /// <summary>The largest magnitude an integer option holds (int options: <see cref="int.MaxValue"/>); a larger value
    /// is refused rather than wrapped (tp=4294967298 would have run as tp=2).</summary>
    public long Maximum { get; }
    public string Name { get; }
    public OptionKind Kind { get; }
    public string Doc { get; }
    public string? Default { get; }
    public IReadOnlyList<string>? Choices { get; }
}

/// <summary>
/// A pass as a record: its pipeline name, a one-line summary, its options and the statistics it
/// reports. Registration, option validation, `graphdsl passes --list` and docs read this.
/// </summary>
public sealed class PassInfo
{
    public PassInfo(string name, string summary, IReadOnlyList<PassOptionSpec>? options = null, IReadOnlyList<string>? statistics = null)
    {
        Name = name; Summary = summary;
        Options = options ?? Array.Empty<PassOptionSpec>();
        Statistics = statistics ?? Array.Empty<string>();
    }
    public string Name { get; }
    public string Summary { get; }
    public IReadOnlyList<PassOptionSpec> Options { get; }
    public IReadOnlyList<string> Statistics { get; }
    public PassOptionSpec? FindOption(string name) => Options.FirstOrDefault(o => o.Name == name);
}
