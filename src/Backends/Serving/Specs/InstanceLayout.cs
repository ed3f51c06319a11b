using System.Collections.Generic;
using System.Globalization;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

/// <summary>
/// One kind of engine instance of a disaggregated deployment and how many of them run: <c>tp4x2</c> is two instances
/// of tensor parallelism 4, <c>dp8ep8x1</c> one instance with eight attention replicas and experts over eight GPUs.
/// The grammar (docs/serving.md):
/// <code>
/// layout ::= part+ ( 'x' COUNT )?        part ::= ( 'tp' | 'ep' | 'dp' | 'pp' ) SIZE
/// </code>
/// each part at most once, sizes 1 to 4096 (unset ones 1), COUNT 1 to 4096 (default 1). An instance takes
/// tp x dp x pp GPUs (expert parallelism spreads the experts over the same GPUs, as <c>--ep</c> does).
/// </summary>
public sealed record InstanceLayout(int Tp, int Ep, int Dp, int Pp, int Count)
{
    public const int MaxSize = 4096;

    /// <summary>GPUs of one instance.</summary>
    public int GpusPerInstance => Tp * Dp * Pp;

    /// <summary>GPUs of all the instances.</summary>
    public int Gpus => GpusPerInstance * Count;

    public override string ToString()
    {
        // Canonical order tp, dp, ep, pp; sizes of 1 left out (tp1 kept when nothing else is set).
        var s = "";
        if (Tp != 1 || (Dp == 1 && Ep == 1 && Pp == 1)) s += $"tp{I(Tp)}";
        if (Dp != 1) s += $"dp{I(Dp)}";
        if (Ep != 1) s += $"ep{I(Ep)}";
        if (Pp != 1) s += $"pp{I(Pp)}";
        return $"{s}x{I(Count)}";
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a layout at the cursor (up to ',' or '}'); null after reporting the first problem (GD0640).</summary>
    internal static InstanceLayout? Read(SpecReader r, string option)
    {
        var sizes = new Dictionary<string, int>();
        int count = 1, start = r.Position;
        bool counted = false;
        while (!r.AtEnd && r.Peek is not (',' or '}'))
        {
            int at = r.Position;
            // The words are 'x' or two letters: tp4x2 reads tp, 4, x, 2.
            var word = r.Letters(r.Peek == 'x' ? 1 : 2);
            if (word == "x" && !counted && sizes.Count > 0)
            {
                if (r.Integer($"{option}: the instance count after 'x'", 1, MaxSize, DiagnosticCatalog.InvalidInstanceLayout) is not { } n) return null;
                count = (int)n;
                counted = true;
                continue;
            }
            if (counted || word is not ("tp" or "ep" or "dp" or "pp"))
            {
                var found = word.Length > 0 ? word : r.Peek.ToString();
                r.Error(at, System.Math.Max(1, found.Length), counted
                    ? $"{option}: unexpected '{found}' after the instance count; a layout is e.g. tp4x2 or dp8ep8x1"
                    : $"{option}: expected tp, ep, dp or pp and a size{(sizes.Count > 0 ? ", or x and the instance count" : "")}, found '{found}'; a layout is e.g. tp4x2 or dp8ep8x1",
                    DiagnosticCatalog.InvalidInstanceLayout);
                return null;
            }
            if (sizes.ContainsKey(word)) { r.Error(at, word.Length, $"{option}: '{word}' is given twice", DiagnosticCatalog.InvalidInstanceLayout); return null; }
            if (r.Integer($"{option}: {word}", 1, MaxSize, DiagnosticCatalog.InvalidInstanceLayout) is not { } size) return null;
            sizes[word] = (int)size;
        }
        if (sizes.Count == 0) { r.Error(start, 1, $"{option}: expected a layout such as tp4x2 or dp8ep8x1", DiagnosticCatalog.InvalidInstanceLayout); return null; }
        int Get(string k) => sizes.TryGetValue(k, out var v) ? v : 1;
        return new InstanceLayout(Get("tp"), Get("ep"), Get("dp"), Get("pp"), count);
    }
}
