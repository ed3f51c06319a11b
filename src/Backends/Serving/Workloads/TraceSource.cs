using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;

namespace GraphDsl.Backends.Serving.Workloads;

/// <summary>
/// Requests of a <c>trace:FILE.jsonl</c> workload: one JSON object per line, <c>{"arrival": 0.25, "prompt": 812,
/// "output": 97, "prefix": "sys-1"}</c> (arrival in seconds from the start, non-decreasing; prompt at least 1 and output
/// at least 1 token, each at most <see cref="LengthSpec.MaxTokens"/>; prefix optional: the id of a prefix the request
/// shares with others, a string or a number, with its length in the optional <c>"prefix_tokens"</c> (at most the prompt;
/// without it, the whole prompt of the first request with the id), which prefix caching uses). <see cref="Check"/> reads the whole file once before the simulation, so a bad line stops it before it
/// starts with <c>FILE:LINE:COL: error GD0633</c>; the simulation then streams it again, holding one line at a time.
/// </summary>
public sealed class TraceSource : RequestSource, IDisposable
{
    /// <summary>Largest trace file read (a million requests take about 60 MB).</summary>
    public const long MaxFileBytes = 1L << 30;
    /// <summary>Longest line: one request's object is under 100 bytes.</summary>
    public const int MaxLineChars = 4096;

    private readonly StreamReader _reader;
    private readonly long _total;
    private long _sent;
    private IncomingRequest? _next;

    private TraceSource(string path, long total, double meanLength)
    {
        _reader = Open(path);
        _total = total;
        MeanLength = meanLength;
        Advance();
    }

    /// <summary>The mean prompt + output tokens of the trace's requests.</summary>
    public double MeanLength { get; }

    public override long Total => _total;
    public override double NextArrival => _next?.Arrival ?? double.PositiveInfinity;

    public override IncomingRequest Take()
    {
        var r = _next ?? throw new InvalidOperationException("no request is due");
        _sent++;
        Advance();
        return r;
    }

    public void Dispose() => _reader.Dispose();

    private void Advance()
    {
        _next = null;
        if (_sent >= _total) return;
        string? line;
        while ((line = ReadLine(_reader)) is not null)
            if (line.Trim().Length > 0) { _next = ParseLine(line, "", 0, null); return; }
    }

    /// <summary>Checks every line and counts the requests (at most <paramref name="limit"/>); null after reporting the first
    /// bad line. The source then streams the file again.</summary>
    public static TraceSource? Open(string path, long limit, DiagnosticBag diagnostics)
    {
        long count = 0;
        double lengths = 0;
        try
        {
            using (var reader = Open(path))
            {
                string? line;
                int number = 0;
                double last = 0;
                while (count < limit && (line = ReadLine(reader)) is not null)
                {
                    number++;
                    if (line.Length > MaxLineChars) { Report(diagnostics, path, number, 1, $"line {number} is longer than {MaxLineChars} characters; a request is one short JSON object"); return null; }
                    if (line.Trim().Length == 0) continue;
                    var r = ParseLine(line, path, number, diagnostics);
                    if (r is null) return null;
                    if (r.Value.Arrival < last)
                    {
                        Report(diagnostics, path, number, 1, $"arrival {r.Value.Arrival.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} comes before the previous line's {last.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; a trace lists requests in arrival order");
                        return null;
                    }
                    last = r.Value.Arrival;
                    lengths += r.Value.Prompt + r.Value.Output;
                    count++;
                }
            }
            if (count == 0) { Report(diagnostics, path, 1, 1, "the trace holds no request"); return null; }
            return new TraceSource(path, count, lengths / count);
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            diagnostics.Report(DiagnosticCatalog.FileNotFound, SourceSpan.None, path, FileErrors.Reason(path, e));
            return null;
        }
    }

    /// <summary>The next line, cut one character past <see cref="MaxLineChars"/> (the rest of a longer line is skipped), so a
    /// file without line breaks never becomes one huge string; null at the end.</summary>
    private static string? ReadLine(StreamReader reader)
    {
        var line = new StringBuilder();
        int c;
        bool any = false;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            if (c == '\n') break;
            if (c != '\r' && line.Length <= MaxLineChars) line.Append((char)c);
        }
        return any ? line.ToString() : null;
    }

    private static StreamReader Open(string path)
    {
        var stream = InputFile.OpenRead(path);
        if (stream.Length > MaxFileBytes)
        {
            stream.Dispose();
            throw new InputFileTooLargeException(path, "a request trace", stream.Length, MaxFileBytes, grew: false);
        }
        return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    /// <summary>One line's request; null after reporting (or, with no diagnostics, an exception: the file changed since it was checked).</summary>
    private static IncomingRequest? ParseLine(string line, string path, int number, DiagnosticBag? diagnostics)
    {
        double? arrival = null;
        long? prompt = null, output = null, prefixTokens = null;
        long prefix = 0;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line), new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Bad(0, "expected a JSON object {\"arrival\": S, \"prompt\": N, \"output\": N}");
            var seen = new HashSet<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                int column = (int)reader.TokenStartIndex;
                // A field given twice was read as its last value (a request's arrival silently replaced), as JSON readers differ on it.
                if (!seen.Add(name)) return Bad(column, $"\"{name}\" is given twice");
                reader.Read();
                switch (name)
                {
                    case "arrival":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var a) || !double.IsFinite(a) || a < 0 || a > 1e9)
                            return Bad(column, "\"arrival\" must be a number of seconds from 0 to 1e9");
                        arrival = a; break;
                    case "prompt":
                    case "output":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var n) || n < 1 || n > LengthSpec.MaxTokens)
                            return Bad(column, $"\"{name}\" must be an integer from 1 to {LengthSpec.MaxTokens}");
                        if (name == "prompt") prompt = n; else output = n;
                        break;
                    case "prefix":
                        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number)) return Bad(column, "\"prefix\" must be a string or a number");
                        prefix = PrefixKey(reader.TokenType == JsonTokenType.String, reader.ValueSpan);
                        break;
                    case "prefix_tokens":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var p) || p < 1 || p > LengthSpec.MaxTokens)
                            return Bad(column, $"\"prefix_tokens\" must be an integer from 1 to {LengthSpec.MaxTokens}");
                        prefixTokens = p; break;
                    default:
                        return Bad(column, $"unknown field \"{name}\"; a request has arrival, prompt, output and an optional prefix and prefix_tokens");
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) return Bad((int)reader.TokenStartIndex, "expected a field name or '}'");
            if (reader.Read()) return Bad((int)reader.TokenStartIndex, "unexpected text after the request's object");
        }
        catch (JsonException e)
        {
            return Bad((int)(e.BytePositionInLine ?? 0), "not JSON: " + e.Message.Split(" LineNumber")[0]);
        }
        if (arrival is null || prompt is null || output is null)
            return Bad(0, $"missing {(arrival is null ? "\"arrival\"" : prompt is null ? "\"prompt\"" : "\"output\"")}");
        if (prefixTokens is { } pt && prefix == 0) return Bad(0, "\"prefix_tokens\" is given without \"prefix\", the id of the prefix it measures");
        if (prefixTokens > prompt) return Bad(0, $"\"prefix_tokens\" {prefixTokens} is more than the prompt's {prompt} tokens; the prefix is part of the prompt");
        return new IncomingRequest(arrival.Value, prompt.Value, output.Value, Prefix: prefix, PrefixTokens: prefixTokens ?? 0);

        IncomingRequest? Bad(int column, string message)
        {
            if (diagnostics is null) throw new InvalidDataException($"{path}:{number}: {message}");
            Report(diagnostics, path, number, column + 1, message);
            return null;
        }
    }

    /// <summary>A prefix id as a 64-bit key (FNV-1a over its JSON text, strings and numbers apart; never 0, which means
    /// none): the simulation keeps no table of ids, so a trace of 10^7 distinct ids costs no memory, and two ids collide with
    /// probability about n^2 / 2^65.</summary>
    private static long PrefixKey(bool isString, ReadOnlySpan<byte> text)
    {
        ulong h = 14695981039346656037UL ^ (isString ? 1UL : 2UL);
        foreach (var b in text) h = (h ^ b) * 1099511628211UL;
        return h == 0 ? 1 : (long)h;
    }

    private static void Report(DiagnosticBag diagnostics, string path, int line, int column, string message) =>
        diagnostics.Report(DiagnosticCatalog.InvalidRequestTrace, SourceSpan.At(path, line, column), message);
}
