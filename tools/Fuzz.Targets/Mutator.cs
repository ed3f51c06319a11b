using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Numerics;

namespace GraphDsl.Fuzz;

/// <summary>
/// Deterministic, coverage-blind mutations of corpus entries: bit flips, byte insertion, deletion and overwrite,
/// splices of two entries, boundary numbers written over a decimal run or as little-endian binary, tokens of the
/// corpus itself (so keywords and JSON keys recombine), truncation and huge repeats of a chunk. Input i of seed s
/// is the same on every machine (SplitMix64, not System.Random). Outputs are capped at <see cref="MaxBytes"/>.
/// </summary>
public sealed class Mutator
{
    /// <summary>Numbers at the edges of the integer and floating-point types the readers parse into.</summary>
    public static readonly string[] BoundaryNumbers =
    {
        "0", "-0", "1", "-1", "2", "127", "128", "255", "256", "-129", "32767", "65535", "65536",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "99999999999999999999999", "4611686018427387904", "1e308", "1e309", "-1e309", "1e-320", "5e-324",
        "0.5", "1.0000001", "NaN", "Infinity", "-Infinity", "1e", "0x10", "00", "1.", ".5", "+1",
    };

    private static readonly long[] BoundaryIntegers =
    {
        0, 1, -1, 8, 255, 256, 65535, 65536, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue,
        long.MaxValue, long.MinValue, 100L * 1024 * 1024, 100L * 1024 * 1024 + 1,
    };

    private static readonly int[] RepeatCounts = { 2, 3, 16, 255, 1000, 4096, 65536 };

    private readonly IReadOnlyList<byte[]> _corpus;
    private readonly byte[][] _tokens;

    public const int DefaultMaxBytes = 256 * 1024;

    public Mutator(IReadOnlyList<byte[]> corpus, int maxBytes = DefaultMaxBytes)
    {
        if (corpus.Count == 0) throw new ArgumentException("the corpus is empty", nameof(corpus));
        _corpus = corpus; MaxBytes = maxBytes;
        _tokens = Tokens(corpus).Concat(BoundaryNumbers).Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public int MaxBytes { get; }

    /// <summary>The mutated input number <paramref name="index"/> of the sequence seeded by <paramref name="seed"/>.</summary>
    public byte[] Mutate(ulong seed, long index)
    {
        var rng = new SplitMix64(seed ^ ((ulong)index * 0xD1B54A32D192ED03UL));
        var data = new List<byte>(_corpus[Below(rng, _corpus.Count)]);
        int stacked = 1 + Below(rng, 4);
        for (int i = 0; i < stacked; i++) Apply(rng, data);
        if (data.Count > MaxBytes) data.RemoveRange(MaxBytes, data.Count - MaxBytes);
        return data.ToArray();
    }

    private void Apply(SplitMix64 rng, List<byte> d)
    {
        int Pos(int extra = 0) => Below(rng, d.Count + extra);
        switch (Below(rng, 11))
        {
            case 0 when d.Count > 0: // bit flip
                { int p = Pos(); d[p] ^= (byte)(1 << Below(rng, 8)); break; }
            case 1 when d.Count > 0: // random byte
                d[Pos()] = (byte)Below(rng, 256); break;
            case 2: // insert random bytes
                { int p = Pos(1), n = 1 + Below(rng, 8); for (int i = 0; i < n; i++) d.Insert(p, (byte)Below(rng, 256)); break; }
            case 3 when d.Count > 0: // delete a range
                { int p = Pos(), n = 1 + Below(rng, Math.Min(64, d.Count - p)); d.RemoveRange(p, n); break; }
            case 4: // splice: a range of another entry in place of a range of this one
                {
                    var other = _corpus[Below(rng, _corpus.Count)];
                    if (other.Length == 0) break;
                    int from = Below(rng, other.Length), n = 1 + Below(rng, Math.Min(256, other.Length - from));
                    int p = Pos(1), cut = Below(rng, Math.Min(64, d.Count - p) + 1);
                    d.RemoveRange(p, cut);
                    d.InsertRange(p, other.Skip(from).Take(n));
                    break;
                }
            case 5: // boundary number over a decimal run (or inserted where there is none)
                ReplaceNumber(rng, d, Encoding.ASCII.GetBytes(BoundaryNumbers[Below(rng, BoundaryNumbers.Length)])); break;
            case 6: // a token of the corpus, inserted or written over a token
                { var t = _tokens[Below(rng, _tokens.Length)]; int p = Pos(1); if (Below(rng, 2) == 0 && p < d.Count) d.RemoveRange(p, Math.Min(t.Length, d.Count - p)); d.InsertRange(p, t); break; }
            case 7: // huge repeat of a chunk
                {
                    if (d.Count == 0) break;
                    int p = Pos(), n = 1 + Below(rng, Math.Min(32, d.Count - p)), times = RepeatCounts[Below(rng, RepeatCounts.Length)];
                    var chunk = d.GetRange(p, n);
                    times = Math.Min(times, Math.Max(1, (MaxBytes - d.Count) / n));
                    var repeated = new List<byte>(n * times);
                    for (int i = 0; i < times; i++) repeated.AddRange(chunk);
                    d.InsertRange(p, repeated);
                    break;
                }
            case 8 when d.Count > 0: // truncate
                { int p = Pos(); d.RemoveRange(p, d.Count - p); break; }
            case 9 when d.Count >= 8: // binary boundary integer (1, 2, 4 or 8 bytes, little-endian): lengths, offsets
                {
                    int width = 1 << Below(rng, 4), p = Below(rng, 3) == 0 ? 0 : Pos();
                    long v = BoundaryIntegers[Below(rng, BoundaryIntegers.Length)];
                    for (int i = 0; i < width && p + i < d.Count; i++) d[p + i] = (byte)(v >> (8 * i));
                    break;
                }
            default: // swap two bytes, or a newline/quote/brace, the bytes most text formats turn on
                {
                    if (d.Count == 0) { d.Add((byte)'{'); break; }
                    byte[] special = { (byte)'\n', (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':', (byte)'\\', 0, 0xEF, 0xFF };
                    d.Insert(Pos(1), special[Below(rng, special.Length)]);
                    break;
                }
        }
    }

    /// <summary>Uniform in [0, n); n must be positive.</summary>
    private static int Below(SplitMix64 rng, int n) => (int)(rng.NextUInt64() % (ulong)n);

    private static void ReplaceNumber(SplitMix64 rng, List<byte> d, byte[] number)
    {
        var runs = new List<(int Start, int Length)>();
        for (int i = 0; i < d.Count;)
        {
            if (d[i] is >= (byte)'0' and <= (byte)'9')
            {
                int s = i;
                while (i < d.Count && (d[i] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'-')) i++;
                runs.Add((s, i - s));
            }
            else i++;
        }
        if (runs.Count == 0) { d.InsertRange(Below(rng, d.Count + 1), number); return; }
        var (start, length) = runs[Below(rng, runs.Count)];
        d.RemoveRange(start, length);
        d.InsertRange(start, number);
    }

    /// <summary>Identifiers, numbers and quoted strings of the text entries, plus single punctuation characters.</summary>
    private static IEnumerable<string> Tokens(IReadOnlyList<byte[]> corpus)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in corpus)
        {
            var text = Encoding.UTF8.GetString(entry);
            for (int i = 0; i < text.Length;)
            {
                char c = text[i];
                int s = i;
                if (char.IsLetterOrDigit(c) || c == '_')
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or '-')) i++;
                else if (c == '"')
                {
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n' && i - s < 64) i++;
                    if (i < text.Length && text[i] == '"') i++;
                }
                else i++;
                var token = text.Substring(s, i - s);
                if (token.Length <= 64 && !char.IsWhiteSpace(token[0]) && !char.IsControl(token[0]) && seen.Add(token) && seen.Count <= 2048) yield return token;
            }
        }
    }
}
