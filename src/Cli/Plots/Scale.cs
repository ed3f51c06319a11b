using System;
using System.Collections.Generic;
using System.Globalization;

namespace GraphDsl.Cli.Plots;

/// <summary>Maps data values on one axis to pixels, linear or logarithmic, over a domain widened to round tick values.</summary>
public sealed class Scale
{
    private readonly double _lo, _hi, _from, _to;

    /// <summary>The scale over <paramref name="min"/>..<paramref name="max"/> of the data, drawn from pixel
    /// <paramref name="from"/> to <paramref name="to"/> (to may be smaller: the y axis grows upwards). A log scale needs
    /// positive values; zero or negative ones clamp to its lowest decade.</summary>
    public Scale(double min, double max, double from, double to, bool log, bool fromZero = false)
    {
        Log = log; _from = from; _to = to;
        if (!double.IsFinite(min) || !double.IsFinite(max)) { min = log ? 1 : 0; max = log ? 10 : 1; }
        if (log)
        {
            min = Math.Max(min, 1e-30); max = Math.Max(max, min);
            _lo = Math.Floor(Math.Log10(min)); _hi = Math.Ceiling(Math.Log10(max));
            if (_hi <= _lo) _hi = _lo + 1;
            Ticks = DecadeTicks();
        }
        else
        {
            if (fromZero) min = Math.Min(0, min);
            if (max <= min) { max = min + (min == 0 ? 1 : Math.Abs(min) * 0.1); }
            double step = NiceStep((max - min) / 8);
            _lo = Math.Floor(min / step) * step; _hi = Math.Ceiling(max / step) * step;
            Ticks = LinearTicks(step);
        }
    }

    public bool Log { get; }

    /// <summary>Round values on the axis, each with its label (1, 2.5, 10k, 1M, 1G, ...).</summary>
    public IReadOnlyList<(double Value, string Label)> Ticks { get; }

    public double Min => Log ? Math.Pow(10, _lo) : _lo;
    public double Max => Log ? Math.Pow(10, _hi) : _hi;

    public double this[double v]
    {
        get
        {
            double t = Log ? (Math.Log10(Math.Max(v, 1e-30)) - _lo) / (_hi - _lo) : (v - _lo) / (_hi - _lo);
            t = Math.Clamp(t, -0.05, 1.05);
            return _from + t * (_to - _from);
        }
    }

    /// <summary>Whether a value lies inside the axis (a guide line outside it is not drawn).</summary>
    public bool Contains(double v) => double.IsFinite(v) && v >= Min * (1 - 1e-12) && v <= Max * (1 + 1e-12) && (!Log || v > 0);

    private List<(double, string)> LinearTicks(double step)
    {
        var ticks = new List<(double, string)>();
        for (int i = 0; ; i++)
        {
            double v = _lo + i * step;
            if (v > _hi + step * 1e-9) break;
            ticks.Add((v, Label(Math.Abs(v) < step * 1e-9 ? 0 : v)));
        }
        return ticks;
    }

    private List<(double, string)> DecadeTicks()
    {
        var ticks = new List<(double, string)>();
        for (double e = _lo; e <= _hi; e++) ticks.Add((Math.Pow(10, e), Label(Math.Pow(10, e))));
        return ticks;
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        double p = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (var m in new[] { 1.0, 2, 2.5, 5, 10 })
            if (m * p >= rough * (1 - 1e-9)) return m * p;
        return 10 * p;
    }

    /// <summary>A quantity with its unit and an SI prefix: 9.89e14, "FLOP/s" -> "989 TFLOP/s".</summary>
    public static string Si(double v, string unit)
    {
        var label = Label(v);
        int digits = label.Length;
        while (digits > 0 && char.IsLetter(label[digits - 1])) digits--;
        return label[..digits] + " " + label[digits..] + unit;
    }

    /// <summary>A tick label with an SI suffix (k, M, G, T, P) above a thousand, up to three significant digits.</summary>
    public static string Label(double v)
    {
        double a = Math.Abs(v);
        (double div, string suffix) = a >= 1e15 ? (1e15, "P") : a >= 1e12 ? (1e12, "T") : a >= 1e9 ? (1e9, "G") : a >= 1e6 ? (1e6, "M") : a >= 1e3 ? (1e3, "k") : (1, "");
        double s = v / div;
        string text = a > 0 && a < 1e-3 ? v.ToString("0.#E+0", CultureInfo.InvariantCulture) : s.ToString("0.###", CultureInfo.InvariantCulture);
        return text + suffix;
    }
}
