using System;
using System.Globalization;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Serving.Specs;

public enum LengthKind { Fixed, Uniform, LogNormal }

/// <summary>
/// How many tokens a request's prompt or output has: <c>fixed</c> (a number, or <c>fixed:N</c>), <c>uniform:LO-HI</c>
/// (every integer from LO to HI equally likely, as benchmark_serving's random dataset with a range ratio), or
/// <c>lognormal:MEAN,SIGMA</c> (a log-normal whose mean is MEAN tokens and whose log has standard deviation SIGMA,
/// the long-tailed shape of chat prompts and replies; rounded, at least 1 and at most <see cref="MaxTokens"/>).
/// </summary>
public sealed record LengthSpec(LengthKind Kind, long Low, long High, double Mean, double Sigma)
{
    /// <summary>The longest prompt or output a spec may ask for (a million tokens: past every served context).</summary>
    public const long MaxTokens = 1 << 20;

    public static LengthSpec Fixed(long n) => new(LengthKind.Fixed, n, n, n, 0);
    public static LengthSpec Uniform(long low, long high) => new(LengthKind.Uniform, low, high, (low + high) / 2.0, 0);
    public static LengthSpec LogNormal(double mean, double sigma) => new(LengthKind.LogNormal, 1, MaxTokens, mean, sigma);

    /// <summary>The largest length this spec can draw.</summary>
    public long Max => Kind == LengthKind.LogNormal ? MaxTokens : High;

    /// <summary>Draws one length.</summary>
    public long Sample(SplitMix64 rng)
    {
        switch (Kind)
        {
            case LengthKind.Fixed: return Low;
            case LengthKind.Uniform: return Low + (long)(rng.NextDouble() * (High - Low + 1));
            default:
                // mu such that E[exp(mu + sigma Z)] = Mean; Z from Box-Muller on two uniforms (1 - u keeps the log finite).
                double mu = Math.Log(Mean) - Sigma * Sigma / 2;
                double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                return Math.Clamp((long)Math.Round(Math.Exp(mu + Sigma * z)), 1, MaxTokens);
        }
    }

    public override string ToString() => Kind switch
    {
        LengthKind.Fixed => I(Low),
        LengthKind.Uniform => $"uniform:{I(Low)}-{I(High)}",
        _ => $"lognormal:{Mean.ToString("R", CultureInfo.InvariantCulture)},{Sigma.ToString("R", CultureInfo.InvariantCulture)}",
    };

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a length at the cursor (<c>1024</c>, <c>fixed:1024</c>, <c>uniform:512-2048</c>, <c>lognormal:1000,0.8</c>);
    /// null after reporting.</summary>
    internal static LengthSpec? Read(SpecReader r, string key)
    {
        if (char.IsDigit(r.Peek) || r.Peek is '-' or '+') return r.Size(key, 1, MaxTokens) is { } n ? Fixed(n) : null;
        int at = r.Position;
        var kind = r.Name();
        switch (kind)
        {
            case "fixed":
                if (!r.Expect(':', $"after '{key}=fixed'")) return null;
                return r.Size(key, 1, MaxTokens) is { } f ? Fixed(f) : null;
            case "uniform":
            {
                if (!r.Expect(':', $"after '{key}=uniform'")) return null;
                int lowAt = r.Position;
                if (r.Size($"{key} (uniform low)", 1, MaxTokens) is not { } low || !r.Expect('-', "between uniform's low and high")) return null;
                if (r.Size($"{key} (uniform high)", 1, MaxTokens) is not { } high) return null;
                if (high < low) { r.Error(lowAt, r.Position - lowAt, $"{key}: uniform:{low}-{high} has its high below its low"); return null; }
                return Uniform(low, high);
            }
            case "lognormal":
            {
                if (!r.Expect(':', $"after '{key}=lognormal'")) return null;
                if (r.Number($"{key} (lognormal mean)", 1, MaxTokens, minInclusive: true) is not { } mean || !r.Expect(',', "between lognormal's mean and sigma")) return null;
                if (r.Number($"{key} (lognormal sigma)", 0, 4, minInclusive: true) is not { } sigma) return null;
                return LogNormal(mean, sigma);
            }
            default:
                r.Error(at, Math.Max(1, kind.Length), $"{key}: expected a length (a number, fixed:N, uniform:LO-HI or lognormal:MEAN,SIGMA), found {(kind.Length > 0 ? $"'{kind}'" : r.AtEnd ? "the end of the spec" : $"'{r.Peek}'")}");
                return null;
        }
    }
}
