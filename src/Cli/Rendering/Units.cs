using System;
using System.Globalization;

namespace GraphDsl.Cli.Rendering;

/// <summary>Human-readable numbers for tables (JSON always carries the exact values).</summary>
public static class Units
{
    /// <summary>The convention every output follows, stated in --help: counts in K, M, bn, T (10^3 ... 10^12); bytes in KB, MB,
    /// GB, TB (10^3 ... 10^12 bytes); "B" only ever means bytes.</summary>
    public const string Convention = "Units: GB = 10^9 bytes (KB, MB, TB likewise; B is bytes); counts in K, M, bn, T (10^3, 10^6, 10^9, 10^12).";

    /// <summary>1234567890 -> "1.23 bn" (parameter counts, FLOPs): "B" is reserved for bytes.</summary>
    public static string Count(double v)
    {
        var a = Math.Abs(v);
        return a >= 1e12 ? F(v / 1e12) + " T" : a >= 1e9 ? F(v / 1e9) + " bn" : a >= 1e6 ? F(v / 1e6) + " M" : a >= 1e3 ? F(v / 1e3) + " K" : F(v);
    }

    /// <summary>Bytes in decimal units (GB = 1e9 bytes, as the cost model reports).</summary>
    public static string Bytes(double v)
    {
        var a = Math.Abs(v);
        return a >= 1e12 ? F(v / 1e12) + " TB" : a >= 1e9 ? F(v / 1e9) + " GB" : a >= 1e6 ? F(v / 1e6) + " MB" : a >= 1e3 ? F(v / 1e3) + " KB" : F(v) + " B";
    }

    public static string F(double v) => v.ToString(Math.Abs(v) >= 100 ? "F1" : "F2", CultureInfo.InvariantCulture);
}
