using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// The values of each layout and format key (tp, ep, dp, pp, redundant, moe_comm, weights, kv) after merging the
/// flags given on the command line with the user's pipeline: a parallelize or quantize element in --passes sets the
/// keys it names, the flags set the others, and a key given both ways with different values is a usage error naming
/// both (GD0810). Keys set neither way take their defaults: tp = gpus / (dp x pp), moe_comm the profile's, the rest
/// the pass's. One value per key for predict and compare, lists for sweep.
/// </summary>
internal sealed class DeploymentChoices
{
    private readonly Dictionary<string, string[]> _values;

    private DeploymentChoices(Dictionary<string, string[]> values) { _values = values; }

    /// <summary>Merges the flags given (<see cref="DeploymentOptions.GivenPassValues"/>) with <paramref name="user"/>'s
    /// parallelize and quantize elements (several of one pass compose first, GD0509 when they conflict); null after reporting.</summary>
    public static DeploymentChoices? Merge(IReadOnlyList<PassKey> keys, IReadOnlyDictionary<PassKey, string[]> given, Pipeline user, DiagnosticBag diagnostics)
    {
        var values = new Dictionary<string, string[]>();
        bool ok = true;
        foreach (var group in keys.GroupBy(k => k.Pass))
        {
            var element = user.Composed(group.Key, diagnostics, out var composed);
            ok &= composed;
            foreach (var k in group)
            {
                var fromFlag = given.TryGetValue(k, out var f) ? f : null;
                var fromPass = element?.Given(k.Key);
                if (fromPass is null) { if (fromFlag is not null) values[k.Key] = fromFlag; continue; }
                if (k.Check(fromPass) is { } why)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidPassOption, SourceSpan.None, k.Key, k.Pass, why);
                    ok = false;
                }
                else if (fromFlag is not null && !(fromFlag.Length == 1 && PassOptions.SameValue(k.Spec, fromFlag[0], fromPass)))
                {
                    diagnostics.Report(DiagnosticCatalog.FlagContradictsPass, SourceSpan.None, k.Flag.Name, string.Join(",", fromFlag), element!.ToString(), k.Key);
                    ok = false;
                }
                else values[k.Key] = new[] { PassKey.Normalize(fromPass) };
            }
        }
        return ok ? new DeploymentChoices(values) : null;
    }

    /// <summary>The values of a key, or its default.</summary>
    private string[] Of(string key, string dflt) => _values.TryGetValue(key, out var v) ? v : new[] { dflt };

    private int[] Ints(string key, string dflt = "1") => Of(key, dflt).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>How many deployments the choices describe for one GPU count, before those that do not use it are left out.</summary>
    public double Candidates =>
        (double)Of("weights", NumericFormat.Keep).Length * Of("kv", NumericFormat.Keep).Length * Ints("dp").Length * Ints("pp").Length * Ints("ep").Length *
        Ints("redundant", "0").Length * Of("moe_comm", "auto").Length * (_values.TryGetValue("tp", out var tp) ? tp.Length : 1);

    /// <summary>The deployments of the choices on <paramref name="gpus"/> GPUs that use them all (tp x dp x pp = gpus);
    /// <paramref name="otherGpuCount"/> counts the others.</summary>
    public List<Deployment> For(int gpus, string moeCommDefault, out int otherGpuCount)
    {
        var all = All(gpus, moeCommDefault).ToList();
        var fitting = all.Where(d => (long)d.Layout.Tp * d.Layout.Dp * d.Layout.Pp == gpus).ToList();
        otherGpuCount = all.Count - fitting.Count;
        return fitting;
    }

    /// <summary>Every deployment of the choices, with tp = gpus / (dp x pp) where no tp is given (weights, kv, dp, pp, ep,
    /// redundant, moe_comm, tp; the last varies fastest).</summary>
    public IEnumerable<Deployment> All(int gpus, string moeCommDefault)
    {
        int[]? tps = _values.ContainsKey("tp") ? Ints("tp") : null;
        foreach (var w in Of("weights", NumericFormat.Keep))
        foreach (var kv in Of("kv", NumericFormat.Keep))
        foreach (var dp in Ints("dp"))
        foreach (var pp in Ints("pp"))
        foreach (var ep in Ints("ep"))
        foreach (var redundant in Ints("redundant", "0"))
        foreach (var comm in Of("moe_comm", moeCommDefault))
        foreach (var tp in tps ?? new[] { (int)Math.Max(1, gpus / ((long)dp * pp)) })
            yield return new Deployment(new ParallelLayout(tp, ep, dp, pp) { Redundant = redundant, MoeComm = ParallelLayout.ParseMoeComm(comm) }, w, kv);
    }
}
