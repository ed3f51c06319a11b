using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;

namespace GraphDsl.Ir.Tests.Text;

/// <summary>Malformed IR text: the parser or the verifier names the problem and where it is.</summary>
public class InvalidIrTests
{
    private const string Head = "module @m {\n  param @d = 8\n  graph {\n";
    private const string Tail = "  }\n}\n";

    [Theory]
    // parser
    [InlineData("    %0 = nn.matmull %1 : f32[8]\n", "GD0403", "unknown op 'nn.matmull'; did you mean 'nn.matmul'?", 4)]
    [InlineData("    %0 = nn.add %7, %7 : f32[8]\n", "GD0404", "use of undefined value '%7'", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %0 = core.input {name = \"b\"} : f32[8]\n", "GD0405", "value '%0' is defined twice", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f33[8]\n", "GD0209", "unknown dtype 'f33'", 4)]
    [InlineData("    %0 = core.input {name = \"a\" : f32[8]\n", "GD0402", "expected '}' but found ':'", 4)]
    [InlineData("    %0 = core.input {name = \"a} : f32[8]\n", "GD0103", "unterminated string", 4)]
    [InlineData("    %0, %1 = core.input {name = \"a\"} : f32[8]\n", "GD0402", "names 2 result(s) but states 1 type(s)", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[99999999999999999999]\n", "GD0104", "does not fit", 4)]
    // found by fuzzing (docs/robustness.md): a float without exponent digits, a loc() without numbers and a
    // non-ASCII digit were FormatExceptions, i.e. internal errors
    [InlineData("    %0 = nn.scale %1 {factor = 1e-} : f32[8]\n", "GD0106", "'1e-' is not a valid number", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8] loc(\"m.moe\":x:1)\n", "GD0402", "expected a line number (an integer below 2^31) but found 'x'", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8] loc(\"m.moe\":3:99999999999)\n", "GD0402", "expected a column number (an integer below 2^31) but found '99999999999'", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[\u0663]\n", "GD0102", "unexpected character '\u0663'", 4)]
    // found by fuzzing: shape inference overflowed the stack on a type of rank 20,000, and on a dimension or
    // attribute list nested 20,000 deep
    [InlineData("    %0 = core.input {name = \"a\"} : f32[batch, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8]\n", "GD0322", "a shape has rank 17; the limit is 16", 4)]
    // verifier
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = nn.add %0, %0 : f32[9]\n    core.output %1 {name = \"o\"}\n", "GD0401", "result types (f32[9]) differ from the inferred (f32[8])", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.weight {name = \"w\"} : f32[8, 4]\n    %2 = nn.matmul %1, %0 : f32[8]\n    core.output %2 {name = \"o\"}\n", "GD0401", "nn.matmul: 'w' must have 2 dimension(s), but has type f32[8]", 6)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = nn.scale %0 {factr = 2.0} : f32[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "unknown attribute 'factr'", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = nn.scale %0 : f32[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "missing required attribute 'factor'", 5)]
    // found by fuzzing: inference ran on the malformed op and built a type without a dtype (NullReferenceException)
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = nn.cast %0 {dtyp = !bf16} : bf16[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "missing required attribute 'dtype'", 5)]
    [InlineData("    %0 = core.weight {name = \"w\"} : f32[batch, 8]\n    core.output %0 {name = \"o\"}\n", "GD0401", "must be static", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[@nope]\n    core.output %0 {name = \"o\"}\n", "GD0401", "undefined parameter @nope", 4)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n", "GD0401", "the graph has no core.output", 0)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.repeat %0 {count = 0} : f32[8] {\n    ^(%2: f32[8]):\n      core.yield %2\n    }\n    core.output %1 {name = \"o\"}\n", "GD0401", "must be a positive static integer", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.repeat %0 {count = 2} : f32[8] {\n    ^(%2: f32[8]):\n      %3 = nn.silu %2 : f32[8]\n    }\n    core.output %1 {name = \"o\"}\n", "GD0401", "region must end with core.yield", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.call %0 {callee = @f, name = \"c\"} : f32[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "calls unknown function @f", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = nn.rope %0 : f32[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "'x' must have 4 dimension(s)", 5)]
    // the expanded model stays bounded: nested repeats must not run an op more than 2^63 times
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.repeat %0 {count = 4} : f32[8] {\n    ^(%2: f32[8]):\n      %3 = core.repeat %2 {count = 4611686018427387904} : f32[8] {\n      ^(%4: f32[8]):\n        core.yield %4\n      }\n      core.yield %3\n    }\n    core.output %1 {name = \"o\"}\n", "GD0308", "'4 * 4611686018427387904 (the repeat count times the runs of its body)' overflows a 64-bit integer", 5)]
    // bounds on the expanded model hold for IR text too (issue 15: a repeat of 2^63 - 1 layers passed)
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.repeat %0 {count = 9223372036854775807} : f32[8] {\n    ^(%2: f32[8]):\n      %3 = core.weight {name = \"w\"} : f32[8, 8]\n      %4 = nn.matmul %2, %3 : f32[8]\n      core.yield %4\n    }\n    core.output %1 {name = \"o\"}\n", "GD0318", "model 'm' has more than 2^63 parameters once its repeats and calls are counted; the limit is 10^15", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.repeat %0 {count = 1048577} : f32[8] {\n    ^(%2: f32[8]):\n      core.yield %2\n    }\n    core.output %1 {name = \"o\"}\n", "GD0319", "this repeat runs its body 1048577 times per step (nested repeat counts multiplied); the limit is 1048576", 5)]
    // two weights of one name in one region share a path (weights init stopped on it with GD0899)
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = core.weight {name = \"w\"} : f32[8, 8]\n    %2 = core.weight {name = \"w\"} : f32[8, 4]\n    core.output %0 {name = \"o\"}\n", "GD0401", "weight 'w' is declared again in this region (first at line 5); each weight of a region needs its own name", 6)]
    // asynchronous collectives: nothing reads a transfer before its wait
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = comm.start %0 {collective = \"all_reduce\", group = 2} : f32[8]\n    %2 = nn.silu %1 : f32[8]\n    %3 = comm.wait %1 : f32[8]\n    core.output %2 {name = \"o\"}\n", "GD0401", "must be read by exactly one comm.wait, found 2 use(s) including nn.silu", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = comm.start %0 {collective = \"all_reduce\", group = 2} : f32[8]\n    core.output %0 {name = \"o\"}\n", "GD0401", "found 0 use(s)", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = comm.wait %0 : f32[8]\n    core.output %1 {name = \"o\"}\n", "GD0401", "comm.wait must wait on a comm.start", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = comm.start %0 {collective = \"all_reduce\", group = 2} : f32[8]\n    %2 = core.repeat %0 {count = 2} : f32[8] {\n    ^(%3: f32[8]):\n      %4 = comm.wait %1 : f32[8]\n      core.yield %4\n    }\n    core.output %2 {name = \"o\"}\n", "GD0401", "same region as its comm.start", 5)]
    [InlineData("    %0 = core.input {name = \"a\"} : f32[8]\n    %1 = comm.start %0 {collective = \"broadcast\", group = 2} : f32[8]\n    %2 = comm.wait %1 : f32[8]\n    core.output %2 {name = \"o\"}\n", "GD0401", "broadcast", 5)]
    public void Reports_the_problem_at_its_line(string body, string id, string message, int line) => Reports(Head + body + Tail, id, message, line);

    /// <summary>Found by fuzzing: "did you mean" compared a 256 KB name with every op name (seconds per input);
    /// a name whose length alone rules out a suggestion is now skipped.</summary>
    [Fact]
    public void A_huge_unknown_op_name_is_reported_without_a_suggestion()
    {
        var name = "core" + new string('e', 256 * 1024);
        // The message echoes the name bounded (EchoedText): its start, its length, its end.
        Reports(Head + $"    %0 = {name} : f32[8]\n" + Tail, "GD0403", $"unknown op '{name[..240]}...[{name.Length} characters in all]...{name[^120..]}'", 4);
    }

    [Fact]
    public void Dimensions_and_attribute_lists_nested_past_the_limit_are_reported()
    {
        var chain = "8" + string.Concat(System.Linq.Enumerable.Repeat(" + 1", 201));
        Reports(Head + $"    %0 = core.input {{name = \"a\"}} : f32[{chain}]\n" + Tail, "GD0105", "a dimension's brackets and chained operators nested deeper than 200 levels", 4);
        var brackets = new string('(', 201) + "8" + new string(')', 201);
        Reports(Head + $"    %0 = core.input {{name = \"a\"}} : f32[{brackets}]\n" + Tail, "GD0105", "a dimension's brackets and chained operators nested deeper than 200 levels", 4);
        var list = new string('[', 201) + "1" + new string(']', 201);
        Reports(Head + $"    %0 = core.input {{name = \"a\", x = {list}}} : f32[8]\n" + Tail, "GD0105", "attribute lists ('[') nested deeper than 200 levels", 4);
        var repeats = new System.Text.StringBuilder(Head + "    %0 = core.input {name = \"a\"} : f32[8]\n");
        for (int k = 0; k <= 200; k++) repeats.Append($"    %{2 * k + 1} = core.repeat %{2 * k} {{count = 1}} : f32[8] {{\n    ^(%{2 * k + 2}: f32[8]):\n");
        Reports(repeats.ToString(), "GD0105", "regions (op bodies such as core.repeat's) nested deeper than 200 levels", 4 + 2 * 200 + 1);
    }

    /// <summary>"\r\n", "\n" and a lone "\r" each end one line: a CR-only file had every diagnostic on line 1 (at
    /// columns past a hundred), and its first comment ran to the end of the file.</summary>
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Each_line_ending_counts_one_line(string eol)
    {
        static string Lines(string eol, params string[] lines) => string.Join(eol, lines) + eol;
        var unknownOp = Lines(eol, "module @m {", "  // a comment", "  param @d = 8", "  graph {", "    %0 = nn.matmull %1 : f32[8]", "  }", "}");
        var d = Assert.Single(Diagnostics(unknownOp));
        Assert.Equal(("GD0403", 5, 10), (d.Id, d.Span.Line, d.Span.Column));
        var unterminated = Lines(eol, "module @m {", "  graph {", "    %0 = core.input {name = \"a} : f32[8]", "  }", "}");
        d = Assert.Single(Diagnostics(unterminated));
        Assert.Equal(("GD0103", 3, 29), (d.Id, d.Span.Line, d.Span.Column));
    }

    private static System.Collections.Generic.IReadOnlyList<Diagnostic> Diagnostics(string text)
    {
        var diagnostics = new DiagnosticBag();
        IrParser.TryParse(text, "t.gir", diagnostics);
        return diagnostics.Items;
    }

    private static void Reports(string text, string id, string message, int line)
    {
        var diagnostics = new DiagnosticBag();
        var module = IrParser.TryParse(text, "t.gir", diagnostics);
        if (module is not null) diagnostics.AddRange(Verifier.Verify(module));
        var d = Assert.Single(diagnostics.Items, x => x.Id == id && x.Message.Contains(message));
        if (line > 0) Assert.Equal(line, d.Span.Line);
    }
}
