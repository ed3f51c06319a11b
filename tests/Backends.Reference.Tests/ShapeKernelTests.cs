using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

public class ShapeKernelTests
{
    private static readonly Tensor X23 = Of(S(2, 3), 1, 2, 3, 4, 5, 6);

    [Fact]
    public void Reshape_keeps_the_row_major_order()
    {
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[2, 3]\n%1 = nn.reshape %0 {shape = [3, 2]} : f32[3, 2]\ncore.output %1 {name = \"y\"}", ("x", X23));
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(X23.Data, y.Data);
    }

    [Fact]
    public void Split_and_concat_work_on_the_last_axis()
    {
        var outputs = OpHarness.Run("%0 = core.input {name = \"x\"} : f32[2, 3]\n%1, %2 = nn.split %0 {sizes = [1, 2]} : f32[2, 1], f32[2, 2]\n" +
            "%3 = nn.concat %2, %1 : f32[2, 3]\ncore.output %1 {name = \"a\"}\ncore.output %2 {name = \"b\"}\ncore.output %3 {name = \"c\"}", ("x", X23));
        Assert.Equal(new float[] { 1, 4 }, outputs["a"].Data);
        Assert.Equal(new float[] { 2, 3, 5, 6 }, outputs["b"].Data);
        Assert.Equal(new float[] { 2, 3, 1, 5, 6, 4 }, outputs["c"].Data);
    }

    [Fact]
    public void Last_token_keeps_the_last_position_of_each_sequence()
    {
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[2, 3, 1]\n%1 = nn.last_token %0 : f32[2, 1, 1]\ncore.output %1 {name = \"y\"}",
            ("x", Of(S(2, 3, 1), 1, 2, 3, 4, 5, 6)));
        Assert.Equal(new float[] { 3, 6 }, y.Data);
    }

    [Fact]
    public void Batch_slices_join_back_into_the_batch()
    {
        var outputs = OpHarness.Run("%0 = core.input {name = \"x\"} : f32[4, 1]\n" +
            "%1 = nn.batch_slice %0 {count = 2, index = 1} : f32[2, 1]\n%2 = nn.batch_slice %0 {count = 2, index = 0} : f32[2, 1]\n" +
            "%3 = nn.batch_concat %2, %1 {size = 4} : f32[4, 1]\ncore.output %1 {name = \"second\"}\ncore.output %3 {name = \"joined\"}",
            ("x", Of(S(4, 1), 1, 2, 3, 4)));
        Assert.Equal(new float[] { 3, 4 }, outputs["second"].Data);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, outputs["joined"].Data);
    }
}
