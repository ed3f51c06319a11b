using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Diagnostics;

/// <summary>Collects diagnostics of one compilation; the stages append, the driver renders.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = new();
    public IReadOnlyList<Diagnostic> Items => _items;
    public bool HasErrors => _items.Any(d => d.Severity == Severity.Error);
    public int Count => _items.Count;
    public void Add(Diagnostic d) => _items.Add(d);
    public void AddRange(IEnumerable<Diagnostic> ds) => _items.AddRange(ds);
    public Diagnostic Report(DiagnosticDescriptor descriptor, SourceSpan span, params object[] args)
    {
        var d = descriptor.At(span, args);
        _items.Add(d);
        return d;
    }
}
