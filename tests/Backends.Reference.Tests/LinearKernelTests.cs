using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

public class LinearKernelTests
{
    [Fact]
    public void Embedding_gathers_one_row_per_id()
    {
        var y = OpHarness.Y("%0 = core.input {name = \"ids\"} : i32[1, 2]\n%1 = core.input {name = \"table\"} : f32[3, 2]\n" +
            "%2 = nn.embedding %0, %1 : f32[1, 2, 2]\ncore.output %2 {name = \"y\"}",
            ("ids", Tensor.FromInts(S(1, 2), 2, 0)), ("table", Of(S(3, 2), 0, 1, 2, 3, 4, 5)));
        Assert.Equal(new[] { 1, 2, 2 }, y.Shape);
        Assert.Equal(new float[] { 4, 5, 0, 1 }, y.Data);
    }

    [Fact]
    public void Embedding_rejects_ids_outside_the_vocabulary_naming_the_op()
    {
        var e = Assert.Throws<InterpreterException>(() => OpHarness.Y(
            "%0 = core.input {name = \"ids\"} : i32[1]\n%1 = core.input {name = \"table\"} : f32[3, 2]\n" +
            "%2 = nn.embedding %0, %1 : f32[1, 2]\ncore.output %2 {name = \"y\"}",
            ("ids", Tensor.FromInts(S(1), 3)), ("table", Of(S(3, 2), 0, 1, 2, 3, 4, 5))));
        Assert.Contains("nn.embedding", e.Message);
        Assert.Contains("token id 3 is outside the vocabulary of 3", e.Message);
    }

    [Fact]
    public void Matmul_contracts_the_last_axis_with_w_or_its_transpose()
    {
        var plain = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"w\"} : f32[2, 3]\n" +
            "%2 = nn.matmul %0, %1 : f32[1, 3]\ncore.output %2 {name = \"y\"}",
            ("x", Of(S(1, 2), 1, 2)), ("w", Of(S(2, 3), 1, 2, 3, 4, 5, 6)));
        Assert.Equal(new float[] { 9, 12, 15 }, plain.Data);
        var transposed = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1, 2]\n%1 = core.input {name = \"w\"} : f32[3, 2]\n" +
            "%2 = nn.matmul %0, %1 {transpose_w = true} : f32[1, 3]\ncore.output %2 {name = \"y\"}",
            ("x", Of(S(1, 2), 1, 2)), ("w", Of(S(3, 2), 1, 2, 3, 4, 5, 6)));
        Assert.Equal(new float[] { 5, 11, 17 }, transposed.Data);
    }
}
