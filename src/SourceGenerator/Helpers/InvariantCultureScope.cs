using System;
using System.Globalization;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>
/// Pins the current thread's culture to InvariantCulture while the frontend parses and the emitter
/// writes, so a number never depends on the machine the build runs on (a German IDE prints 1,5).
/// RS1035 bans reading the current culture in analyzers for that very reason; here it is only saved,
/// pinned to invariant for the calling thread and restored, because the frontend formats some messages
/// with the current culture.
/// </summary>
#pragma warning disable RS1035
internal readonly struct InvariantCultureScope : IDisposable
{
    private readonly CultureInfo _culture;
    private readonly CultureInfo _uiCulture;

    private InvariantCultureScope(CultureInfo culture, CultureInfo uiCulture) { _culture = culture; _uiCulture = uiCulture; }

    public static InvariantCultureScope Enter()
    {
        var scope = new InvariantCultureScope(CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        return scope;
    }

    public void Dispose()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
    }
}
#pragma warning restore RS1035
