using System.Collections.Generic;
using System.Linq;
using System.Text;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Ir.Text;

/// <summary>
/// The one textual form of the IR: deterministic (attributes sorted, values numbered densely per
/// function in definition order), diff-friendly, and read back by <see cref="IrParser"/>.
/// </summary>
public sealed class IrPrinter
{
    private readonly StringBuilder _sb = new();
    private readonly Dictionary<Value, int> _ids = new();
    private int _next;
    private readonly bool _locations;

    private IrPrinter(bool locations) { _locations = locations; }

    public static string Print(Module m, bool locations = false)
    {
        var p = new IrPrinter(locations);
        p.PrintModule(m);
        return p._sb.ToString();
    }

    private void PrintModule(Module m)
    {
        _sb.Append("module @").Append(m.Name).Append(" {\n");
        foreach (var p in m.Params) _sb.Append("  param @").Append(p.Name).Append(" = ").Append(p.Value).Append('\n');
        if (m.Attributes.Count > 0) _sb.Append("  attributes ").Append(m.Attributes).Append('\n');
        if (!m.Symbols.SequenceEqual(Module.StandardSymbols)) _sb.Append("  symbols ").Append(string.Join(", ", m.Symbols)).Append('\n');
        foreach (var f in m.Functions)
        {
            _ids.Clear(); _next = 0;
            _sb.Append("  func @").Append(f.Name).Append('(');
            _sb.Append(string.Join(", ", f.Body.Arguments.Select(a => Name(a) + ": " + a.Type)));
            _sb.Append(") -> (").Append(string.Join(", ", f.ResultTypes.Select(t => t.ToString()))).Append(") {\n");
            PrintOps(f.Body, 2);
            _sb.Append("  }\n");
        }
        _ids.Clear(); _next = 0;
        _sb.Append("  graph {\n");
        PrintOps(m.Body, 2);
        _sb.Append("  }\n}\n");
    }

    private string Name(Value v)
    {
        if (!_ids.TryGetValue(v, out var id)) { id = _next++; _ids[v] = id; }
        return "%" + id;
    }

    private void PrintOps(Region r, int depth)
    {
        foreach (var op in r.Ops) PrintOp(op, depth);
    }

    private void PrintOp(Operation op, int depth)
    {
        Indent(depth);
        if (op.Results.Count > 0) _sb.Append(string.Join(", ", op.Results.Select(Name))).Append(" = ");
        _sb.Append(op.Name);
        // Positional operands first, then the optional ones by name.
        var operands = new List<string>();
        var named = new List<string>();
        for (int i = 0; i < op.Slots.Count; i++)
        {
            var v = op.Slots[i];
            if (v is null) continue;
            var spec = op.Def.Operands[System.Math.Min(i, op.Def.Operands.Count - 1)];
            if (spec.Kind == OperandKind.Optional) named.Add(spec.Name + "=" + Name(v));
            else operands.Add(Name(v));
        }
        operands.AddRange(named);
        if (operands.Count > 0) _sb.Append(' ').Append(string.Join(", ", operands));
        if (op.Attributes.Count > 0) _sb.Append(' ').Append(op.Attributes);
        if (op.Results.Count > 0) _sb.Append(" : ").Append(string.Join(", ", op.Results.Select(v => v.Type.ToString())));
        if (_locations && !op.Span.IsNone)
            _sb.Append(" loc(").Append(StrAttr.Quote(op.Span.File)).Append(':').Append(op.Span.Line).Append(':').Append(op.Span.Column).Append(')');
        foreach (var region in op.Regions)
        {
            _sb.Append(" {\n");
            Indent(depth);
            _sb.Append("^(").Append(string.Join(", ", region.Arguments.Select(a => Name(a) + ": " + a.Type))).Append("):\n");
            PrintOps(region, depth + 1);
            Indent(depth);
            _sb.Append('}');
        }
        _sb.Append('\n');
    }

    private void Indent(int depth) => _sb.Append(' ', depth * 2);
}
