using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir;

/// <summary>"Did you mean" suggestions by edit distance.</summary>
public static class Suggest
{
    /// <summary>Returns "; did you mean 'x'?" for the closest candidate within a small distance, else "".</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var best = Closest(name, candidates);
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDist = int.MaxValue;
        int limit = Math.Max(1, Math.Min(3, name.Length / 3 + 1));
        var a = name.ToLowerInvariant();
        foreach (var c in candidates.Distinct())
        {
            if (c == name) continue;
            var b = c.ToLowerInvariant();
            // The distance is at least the difference in length: beyond the limit it cannot win, and computing it
            // for a huge name (a 256 KB identifier) would cost length x candidate length per candidate.
            var d = Math.Abs(a.Length - b.Length) > limit ? limit + 1 : Distance(a, b);
            // 'epsilon' for 'eps': a prefix of three or more letters is as good as a one-letter typo.
            if (Math.Min(a.Length, b.Length) >= 3 && (a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal))) d = Math.Min(d, 1);
            if (d < bestDist || (d == bestDist && best is not null && string.CompareOrdinal(c, best) < 0)) { bestDist = d; best = c; }
        }
        return bestDist <= limit ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein with transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
