using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace GraphDsl.SourceGenerator.Model;

/// <summary>Where a diagnostic points: a file path with its text span and 0-based line span. Unlike
/// <see cref="Location"/> it compares by value, so it can live in the incremental model.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);
}

/// <summary>A diagnostic as data: the id picks the descriptor, the message is already formatted
/// (InvariantCulture), the location is null for project-wide problems.</summary>
internal sealed record DiagnosticInfo(
    string Id,
    string Title,
    DiagnosticSeverity Severity,
    string Message,
    LocationInfo? Location,
    EquatableArray<LocationInfo> AdditionalLocations)
{
    public Diagnostic ToDiagnostic()
    {
        var descriptor = ModelGenerator.DiagnosticDescriptors.For(Id, Title, Severity);
        return Diagnostic.Create(descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
            AdditionalLocations.Count == 0 ? null : System.Linq.Enumerable.Select(AdditionalLocations, l => l.ToLocation()), Message);
    }
}
