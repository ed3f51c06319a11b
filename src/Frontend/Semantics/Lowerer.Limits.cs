using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// Bounds on compile-time values, checked before a value is built. Constants are evaluated once and
/// shared, so thirty lines of <c>const S1 = S0 + S0</c> double a string or an integer expression thirty
/// times: 2^30 characters, or a 2^30-node expression that printing or simplifying walks node by node.
/// Each check costs O(1) (the sizes are known), so a bad file is rejected in bounded time and memory.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>The most nodes an integer expression may have written out: real dimensions have a
    /// handful (<c>d / heads * 2</c>), and a walk of ten thousand stays in microseconds.</summary>
    public const int MaxExpressionSize = 10_000;

    /// <summary>The most characters a string built by <c>+</c> may have: strings name activations, dtypes
    /// and weights, and 64 KiB is far beyond any of those.</summary>
    public const int MaxStringLength = 1 << 16;

    /// <summary>False (after GD0320) when <c>l op r</c> would exceed <see cref="MaxExpressionSize"/>.</summary>
    private bool ExpressionFits(DimExpr l, DimExpr r, SourceSpan span)
    {
        long size = 1L + l.Size + r.Size;
        if (size <= MaxExpressionSize) return true;
        Report(DiagnosticCatalog.ExpressionTooLarge, span, size, MaxExpressionSize);
        return false;
    }

    /// <summary>False (after GD0321) when <c>l + r</c> would exceed <see cref="MaxStringLength"/>.</summary>
    private bool StringFits(string l, string r, SourceSpan span)
    {
        long length = (long)l.Length + r.Length;
        if (length <= MaxStringLength) return true;
        Report(DiagnosticCatalog.StringTooLong, span, length, MaxStringLength);
        return false;
    }
}
