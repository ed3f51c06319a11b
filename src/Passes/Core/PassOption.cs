using System;
using System.Collections.Generic;
using System.Globalization;

namespace GraphDsl.Passes.Core;

/// <summary>
/// A pass option declared with the type its value binds to. A pass lists its options in its <see cref="PassInfo"/>
/// and binds them once, through these declarations (<see cref="PassOptions.Get{T}"/>), into its options record:
/// no pass looks an option up by its name. The default is written as text, as <c>graphdsl passes</c> and the docs show it.
/// </summary>
public sealed class PassOption<T> : PassOptionSpec
{
    private readonly Func<string, T> _parse;

    internal PassOption(string name, OptionKind kind, string doc, string defaultValue, IReadOnlyList<string>? choices, Func<string, T> parse, long maximum = long.MaxValue)
        : base(name, kind, doc, defaultValue, choices, maximum)
    {
        _parse = parse;
    }

    /// <summary>The value of a text the option's validation accepted (<see cref="PassOptions.Validate"/>).</summary>
    public T Parse(string text) => _parse(text);
}

/// <summary>The kinds of typed pass options.</summary>
public static class PassOption
{
    /// <summary>An integer bound to an int: validation refuses a value beyond its range (<see cref="PassOptionSpec.Maximum"/>).</summary>
    public static PassOption<int> Int(string name, string doc, string defaultValue) =>
        new(name, OptionKind.Int, doc, defaultValue, null, v => checked((int)ParseLong(v)), int.MaxValue);

    public static PassOption<long> Long(string name, string doc, string defaultValue) =>
        new(name, OptionKind.Int, doc, defaultValue, null, ParseLong);

    public static PassOption<double> Float(string name, string doc, string defaultValue) =>
        new(name, OptionKind.Float, doc, defaultValue, null, v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));

    public static PassOption<bool> Bool(string name, string doc, string defaultValue) =>
        new(name, OptionKind.Bool, doc, defaultValue, null, v => v == "true");

    public static PassOption<string> String(string name, string doc, string defaultValue) =>
        new(name, OptionKind.String, doc, defaultValue, null, v => v);

    /// <summary>One of <paramref name="choices"/>, as written.</summary>
    public static PassOption<string> Choice(string name, string doc, string defaultValue, IReadOnlyList<string> choices) =>
        new(name, OptionKind.Choice, doc, defaultValue, choices, v => v);

    /// <summary>One of <paramref name="choices"/>, bound to the value <paramref name="bind"/> gives it.</summary>
    public static PassOption<T> Choice<T>(string name, string doc, string defaultValue, IReadOnlyList<string> choices, Func<string, T> bind) =>
        new(name, OptionKind.Choice, doc, defaultValue, choices, bind);

    /// <summary>A comma-separated list (<c>skip=lm_head,router</c>); empty items are dropped.</summary>
    public static PassOption<IReadOnlyList<string>> List(string name, string doc, string defaultValue) =>
        new(name, OptionKind.StringList, doc, defaultValue, null, v => v.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries));

    private static long ParseLong(string v) => long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
