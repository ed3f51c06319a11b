using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Overlap;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>One published, measured inference figure (a row of tests/.../measurements.csv).</summary>
public sealed record Measurement(
    string Id, string Model, string Hardware, int Gpus, int Nodes, int? Tp, int? Pp, int? Ep, int? Dp,
    string Weights, string Kv, long? Batch, long? Prompt, long? Output, string Metric, double Value, string Unit,
    string Engine, string Use, string Source, string Notes)
{
    public bool IsCalibration => Use == "C";

    /// <summary>Redundant expert slots of the deployment (EPLB replicas), from the optional <c>redundant</c> column.</summary>
    public int Redundant { get; init; }

    /// <summary>How the engine was driven (optional <c>workload</c> column): "static" (a fixed batch that starts together, the
    /// default), "concurrency" (closed-loop serving: <see cref="Batch"/> clients, each sending its next request when the last
    /// completes, as benchmark_serving's --max-concurrency does), or "engine" (as many requests as the engine takes at once).</summary>
    public string Scenario { get; init; } = "static";

    /// <summary>Speculative decoding the run used (optional <c>speculative</c> column): "mtp:K" or "draft:K" with K draft
    /// tokens per step; empty for none.</summary>
    public string Speculative { get; init; } = "";

    /// <summary>Mean tokens kept per speculative step, accepted drafts plus the target's own (optional <c>acceptance</c>
    /// column); null where the source does not say.</summary>
    public double? Acceptance { get; init; }

    /// <summary>Weights the run kept in 16-bit beside <see cref="Weights"/> (optional <c>unquantized</c> column, the quantize
    /// pass's <c>skip</c>: roles such as lm_head and router, or weight-path substrings such as self_attn), where the
    /// source states a precision per module; empty for the pass's default (lm_head, router).</summary>
    public string Unquantized { get; init; } = "";

    /// <summary>Whether decode ran under CUDA/HIP graphs (optional <c>cuda_graphs</c> column, "on" or "off"; empty: on, every
    /// engine's default). "off" only where the source states or implies eager execution (vLLM --enforce-eager, TensorRT-LLM's
    /// PyTorch backend before graphs were on by default); the row is then priced with <see cref="EfficiencyProfile.CudaGraphs"/> off.</summary>
    public bool CudaGraphs { get; init; } = true;

    /// <summary>Nano-batches the engine overlapped (optional <c>overlap</c> column, "nanobatch:N"; empty: 1, every layer run
    /// on the whole batch). Set only where the source states that the run enabled two-batch (micro-batch) overlap, such as
    /// SGLang's <c>--enable-two-batch-overlap</c> or DeepSeek's dual-batch overlap; the row is then priced after the
    /// <c>overlap{nanobatches=N}</c> pass.</summary>
    public int Nanobatches { get; init; } = 1;

    /// <summary>Requests the published run sent (optional <c>requests</c> column: bench_serving's <c>--num-prompts</c>,
    /// trtllm-bench's <c>--num_requests</c> or the count a source's table states); null where the source does not say.
    /// The serving cross-check simulates this many (a max-throughput run's requests arrive at once, so the count can set the
    /// batch). A column, not prose: reading it from the notes once made a row simulate the "10 requests" a note quoted
    /// from another run.</summary>
    public long? Requests { get; init; }

    /// <summary>The range a run drew its prompt lengths from, uniformly (optional <c>prompt_range</c> column, "LO-HI": a
    /// benchmark_serving random dataset with a range ratio, such as InferenceX's client drawing from [int(0.8 L), L]); null
    /// for fixed lengths. <see cref="Prompt"/> is then the range's mean, the tokens the analytic prediction prices.</summary>
    public (long Low, long High)? PromptRange { get; init; }

    /// <summary>The range a run drew its output lengths from (optional <c>output_range</c> column), as <see cref="PromptRange"/>.</summary>
    public (long Low, long High)? OutputRange { get; init; }

    /// <summary>The form of the optional <c>overlap</c> column's values: this prefix and the nano-batch count.</summary>
    public const string NanobatchPrefix = "nanobatch:";

    /// <summary>The values of the optional <c>workload</c> column.</summary>
    public static readonly string[] Scenarios = { "static", "concurrency", "engine" };

    /// <summary>The values of the optional <c>cuda_graphs</c> column.</summary>
    public static readonly string[] GraphModes = { "on", "off" };

    /// <summary>The largest measurements file read: the published dataset is under 200 KB (about 170 rows);
    /// 16 MiB holds some 25,000 rows.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>The engine families of <see cref="EngineFamily"/>, which calibrate fits a profile for.</summary>
    public static readonly string[] EngineFamilies = { "gpt-fast", "trtllm", "fastertransformer", "vllm", "sglang" };

    /// <summary>The engine family a profile is fitted for: gpt-fast, trtllm, fastertransformer, vllm; "" when none.</summary>
    public string EngineFamily
    {
        get
        {
            var e = Engine.ToLowerInvariant();
            if (e.Contains("gpt-fast")) return "gpt-fast";
            if (e.Contains("tensorrt")) return "trtllm";
            if (e.Contains("fastertransformer")) return "fastertransformer";
            if (e.Contains("vllm")) return "vllm";
            if (e.Contains("sglang")) return "sglang";
            return "";
        }
    }

    /// <summary>Reads the dataset (RFC 4180 CSV with a header row); bad rows are an
    /// <see cref="InvalidDataException"/> listing each (<see cref="Parse"/> reports them as diagnostics).</summary>
    public static IReadOnlyList<Measurement> Load(string path)
    {
        var diagnostics = new DiagnosticBag();
        var rows = Parse(path, GraphDsl.Ir.Files.InputFile.ReadAllText(path, MaxFileBytes, "a measurements CSV"), diagnostics);
        if (diagnostics.HasErrors) throw new InvalidDataException(string.Join("\n", diagnostics.Items));
        return rows;
    }

    /// <summary>
    /// Reads the dataset from its text. Every row is checked before the cost model sees it: the measured
    /// value must be a positive finite number from <see cref="MinValue"/> to <see cref="MaxValue"/>, the counts (GPUs, nodes, layout, batch, prompt) positive
    /// integers and the output a non-negative one, each at most <see cref="Workload.MaxTokens"/>; a bad
    /// field is an error at its line and column naming the row (NaN, 0 or -5 used to give a MAPE of NaN%
    /// or a silently ignored batch). An empty file or a missing column is an error too.
    /// </summary>
    public static IReadOnlyList<Measurement> Parse(string path, string text, DiagnosticBag diagnostics)
    {
        var records = Csv.ParseRecords(text);
        if (records.Count == 0)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidMeasurements, SourceSpan.At(path, 1, 1), "the file is empty: expected a header row (" + string.Join(",", Columns) + ")");
            return Array.Empty<Measurement>();
        }
        var header = records[0].Fields.Select(h => h.Trim()).ToArray();
        var missing = Columns.Where(c => Array.IndexOf(header, c) < 0).ToList();
        if (missing.Count > 0)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidMeasurements, SourceSpan.At(path, records[0].Line, 1), "no column " + string.Join(", ", missing.Select(c => $"'{c}'")));
            return Array.Empty<Measurement>();
        }
        var list = new List<Measurement>();
        foreach (var (record, index) in records.Skip(1).Select((r, i) => (r, i + 1)).Where(x => x.r.Fields.Length > 1))
        {
            if (!Printable(path, header, record, index, diagnostics)) continue;
            var row = new RowReader(path, header, record, index, diagnostics);
            var m = new Measurement(row.Text("id"), row.Text("model"), row.Text("hardware"), row.Int("gpus") ?? 1, row.Int("nodes") ?? 1,
                row.Int("tp"), row.Int("pp"), row.Int("ep"), row.Int("dp"), row.Text("weights"), row.Text("kv"),
                row.Count("batch"), row.Count("prompt"), row.Count("output", min: 0),
                row.Text("metric"), row.Value("value"), row.Text("unit"), row.Text("engine"), row.Text("use"), row.Text("source"), row.Text("notes"))
            {
                Redundant = (int)(row.Count("redundant", min: 0, max: 1 << 20) ?? 0),
                Scenario = row.Choice("workload", Scenarios) ?? "static",
                Speculative = row.Text("speculative"),
                Acceptance = row.OptionalValue("acceptance"),
                Unquantized = row.Text("unquantized"),
                CudaGraphs = row.Choice("cuda_graphs", GraphModes) != "off",
                Nanobatches = row.Nanobatches("overlap"),
                Requests = row.Count("requests"),
                PromptRange = row.Range("prompt_range", "prompt"),
                OutputRange = row.Range("output_range", "output"),
            };
            if (!row.Failed) list.Add(m);
        }
        return list;
    }

    /// <summary>The free-text columns, which nothing prints: they may hold tabs and line breaks.</summary>
    private static readonly string[] FreeText = { "notes", "source" };

    /// <summary>Whether a character has no place in a field: any control character (ESC starts a terminal's escape
    /// sequences), and outside the free-text columns any character of <see cref="PrintableText.IsUnprintable"/> (a tab,
    /// a line break, a format character).</summary>
    private static bool Unprintable(char c, bool freeText) =>
        freeText ? char.IsControl(c) && c is not ('\t' or '\n' or '\r') : PrintableText.IsUnprintable(c);

    /// <summary>Checks that a row's fields hold only printable text; reports each field that does not (by its column and
    /// character, never echoing the field) and returns false. A measurement's id, model, device and metric are printed
    /// by validate's table and in its diagnostics: an id of "\x1b]0;...\x07" retitled the terminal, and a line break in
    /// one split the table's row.</summary>
    private static bool Printable(string path, string[] header, CsvRecord record, int row, DiagnosticBag diagnostics)
    {
        bool ok = true;
        for (int i = 0; i < record.Fields.Length; i++)
        {
            bool free = i < header.Length && Array.IndexOf(FreeText, header[i]) >= 0;
            var field = record.Fields[i];
            int at = 0;
            while (at < field.Length && !Unprintable(field[at], free)) at++;
            if (at == field.Length) continue;
            var (line, col) = i < record.Starts.Length ? record.Starts[i] : (record.Line, 1);
            var column = i < header.Length ? header[i] : $"field {i + 1}";
            diagnostics.Report(DiagnosticCatalog.InvalidMeasurements, SourceSpan.At(path, line, col),
                $"row {row}: {column} holds U+{(int)field[at]:X4} at its character {at + 1}, a control, format or line-separator character; "
                + "a measurement's fields are printed, so they hold printable text only (notes and source may hold tabs and line breaks)");
            ok = false;
        }
        return ok;
    }

    /// <summary>The smallest measured value: 10^-6 of any unit (ms, tokens/s, an acceptance), far below any published
    /// figure; a positive value below it (1e-308) made the relative error overflow to a MAPE of Infinity%.</summary>
    public const double MinValue = 1e-6;

    /// <summary>The largest measured value: 10^12 (a million tokens/s on a cluster is 10^6; a day is 8.6 x 10^7 ms).</summary>
    public const double MaxValue = 1e12;

    /// <summary>The columns every dataset has (a value may be empty where not published).</summary>
    public static readonly string[] Columns =
        { "id", "model", "hardware", "gpus", "nodes", "tp", "pp", "ep", "dp", "weights", "kv", "batch", "prompt", "output", "metric", "value", "unit", "engine", "use", "source", "notes" };

    /// <summary>The fields of one row, checked as they are read; a bad one is reported at its position.</summary>
    private sealed class RowReader
    {
        private readonly string _path;
        private readonly string[] _header;
        private readonly CsvRecord _record;
        private readonly int _row;
        private readonly DiagnosticBag _diagnostics;

        public RowReader(string path, string[] header, CsvRecord record, int row, DiagnosticBag diagnostics)
        {
            _path = path; _header = header; _record = record; _row = row; _diagnostics = diagnostics;
        }

        public bool Failed { get; private set; }

        public string Text(string column) => Index(column) is var i && i >= 0 && i < _record.Fields.Length ? _record.Fields[i].Trim() : "";

        /// <summary>A positive finite number, or null when empty (an optional column).</summary>
        public double? OptionalValue(string column) => Text(column).Length == 0 ? null : Value(column);

        /// <summary>One of <paramref name="choices"/>, or null when empty (an optional column).</summary>
        public string? Choice(string column, string[] choices)
        {
            var text = Text(column);
            if (text.Length == 0) return null;
            if (Array.IndexOf(choices, text) >= 0) return text;
            Fail(column, $"'{text}' is not one of {string.Join(", ", choices)}");
            return null;
        }

        /// <summary>The nano-batches of the <c>overlap</c> column: 1 when empty, else N of "nanobatch:N", from 2 to the overlap
        /// pass's <see cref="OverlapOptions.MaxNanobatches"/>.</summary>
        public int Nanobatches(string column)
        {
            var text = Text(column);
            if (text.Length == 0) return 1;
            if (text.StartsWith(NanobatchPrefix, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(NanobatchPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && n >= 2 && n <= OverlapOptions.MaxNanobatches) return n;
            Fail(column, $"'{text}' is not {NanobatchPrefix}N with N from 2 to {OverlapOptions.MaxNanobatches}");
            return 1;
        }

        /// <summary>A count of tokens or sequences: empty when not published, else an integer from <paramref name="min"/>
        /// to <see cref="Workload.MaxTokens"/>.</summary>
        public long? Count(string column, long min = 1, long max = Workload.MaxTokens)
        {
            var text = Text(column);
            if (text.Length == 0) return null;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
            Fail(column, $"'{text}' is not an integer from {min} to {max}");
            return null;
        }

        /// <summary>A uniform length range "LO-HI" (1 &lt;= LO &lt;= HI &lt;= <see cref="Workload.MaxTokens"/>) whose mean is the row's
        /// <paramref name="meanColumn"/> to within a token (the row records the mean length); null when empty.</summary>
        public (long Low, long High)? Range(string column, string meanColumn)
        {
            var text = Text(column);
            if (text.Length == 0) return null;
            var parts = text.Split('-');
            if (parts.Length != 2
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
                || low < 1 || high < low || high > Workload.MaxTokens)
            {
                Fail(column, $"'{text}' is not LO-HI with 1 <= LO <= HI <= {Workload.MaxTokens}");
                return null;
            }
            if (long.TryParse(Text(meanColumn), NumberStyles.None, CultureInfo.InvariantCulture, out var mean) && Math.Abs(mean - (low + high) / 2.0) > 1)
            {
                Fail(column, $"'{text}' has mean {((low + high) / 2.0).ToString(CultureInfo.InvariantCulture)}, not the row's {meanColumn} {mean} (a row records its mean length)");
                return null;
            }
            return (low, high);
        }

        /// <summary>A GPU, node or layout count: empty when not published, else a positive int.</summary>
        public int? Int(string column) => (int?)Count(column, max: int.MaxValue);

        /// <summary>The measured value: a number from <see cref="MinValue"/> to <see cref="MaxValue"/> (errors are relative
        /// to it, so a value near 0 makes the error, and the MAPE, overflow to infinity).</summary>
        public double Value(string column)
        {
            var text = Text(column);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0 && double.IsFinite(v)))
                Fail(column, $"'{text}' is not a positive finite number");
            else if (v < MinValue || v > MaxValue)
                Fail(column, $"'{text}' is beyond any published figure (from {MinValue.ToString("0.######", CultureInfo.InvariantCulture)} to {MaxValue.ToString("0", CultureInfo.InvariantCulture)})");
            else return v;
            return double.NaN;
        }

        private void Fail(string column, string problem)
        {
            var i = Index(column);
            var (line, col) = i < _record.Starts.Length ? _record.Starts[i] : (_record.Line, 1);
            var id = Text("id");
            _diagnostics.Report(DiagnosticCatalog.InvalidMeasurements, SourceSpan.At(_path, line, col),
                $"row {_row}{(id.Length > 0 ? $" ({id})" : "")}: {column} {problem}");
            Failed = true;
        }

        private int Index(string column) => Array.IndexOf(_header, column);
    }
}

/// <summary>A CSV record: its fields and where each starts (1-based line and column), for diagnostics.</summary>
public sealed record CsvRecord(string[] Fields, (int Line, int Column)[] Starts)
{
    public int Line => Starts.Length > 0 ? Starts[0].Line : 1;
}

/// <summary>Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, newlines inside quotes).</summary>
public static class Csv
{
    public static List<string[]> Parse(string text) => ParseRecords(text).Select(r => r.Fields).ToList();

    public static List<CsvRecord> ParseRecords(string text)
    {
        var rows = new List<CsvRecord>();
        var row = new List<string>();
        var starts = new List<(int, int)>();
        var field = new StringBuilder();
        bool quoted = false;
        int line = 1, lineStart = 0;
        starts.Add((1, 1));
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                if (c == '\n') { line++; lineStart = i + 1; }
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': row.Add(field.ToString()); field.Clear(); starts.Add((line, i + 2 - lineStart)); break;
                case '\r': break;
                case '\n':
                    row.Add(field.ToString()); field.Clear(); rows.Add(new CsvRecord(row.ToArray(), starts.ToArray())); row.Clear(); starts.Clear();
                    line++; lineStart = i + 1;
                    starts.Add((line, 1));
                    break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(new CsvRecord(row.ToArray(), starts.ToArray())); }
        return rows;
    }
}
