using System;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import;

/// <summary>Carries the diagnostic that stops an import (a bad file, a field of the wrong type) out of the mapping;
/// <see cref="HfImporter"/> turns it back into a diagnostic, so it never reaches a user as an exception.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(Diagnostic diagnostic) : base(diagnostic.ToString()) { Diagnostic = diagnostic; }
    public Diagnostic Diagnostic { get; }
}
