using System;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>Special functions .NET lacks, accurate to double precision (the results are stored as f32).</summary>
public static class SpecialFunctions
{
    /// <summary>The error function: the Maclaurin series below 3 (exact to ~1e-14), the continued fraction
    /// of erfc from 3 to 6, and ±1 beyond (erfc(6) &lt; 3e-17).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        double r = a < 3 ? ErfSeries(a) : a < 6 ? 1 - ErfcContinuedFraction(a) : 1;
        return x < 0 ? -r : r;
    }

    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))), evaluated from the tail.
    private static double ErfcContinuedFraction(double x)
    {
        double f = x;
        for (int k = 80; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
