using System;
using System.Globalization;
using System.Linq;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>
/// How close ONNX Runtime's result must be to the reference interpreter's: every element within
/// <see cref="OfScale"/> x scale, where scale is the largest |reference| of the tensor (an absolute bound
/// stated relative to the tensor's size). One bound for the whole tensor, not one per element, because the
/// rounding error of a sum is set by the size of its terms, not of its result: a logit near zero that came
/// out of terms near the scale carries the same absolute error as a large one. <see cref="Why"/> says where
/// the difference comes from.
/// </summary>
internal sealed record Tolerance(double OfScale, string Why)
{
    /// <summary>Ops that move or pick elements, or do one correctly rounded f32 operation per element.</summary>
    public static readonly Tolerance Exact = new(0, "no rounding differs: elements are moved or picked, or get one correctly rounded f32 add or multiply");

    /// <summary>Asserts that <paramref name="onnx"/> is within the tolerance of <paramref name="reference"/>;
    /// the message names <paramref name="what"/> (the op or model, step and output) and the worst element.</summary>
    public void AssertClose(string what, Tensor reference, Tensor onnx)
    {
        Assert.True(reference.SameShape(onnx.Shape), $"{what}: ONNX Runtime gave {onnx.ShapeText} but the reference {reference.ShapeText}");
        double scale = Scale(reference), bound = OfScale * scale;
        int worst = -1;
        for (int i = 0; i < reference.Count; i++)
            if (!(Error(reference, onnx, i) <= bound) && (worst < 0 || Error(reference, onnx, i) > Error(reference, onnx, worst))) worst = i;
        if (worst >= 0)
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: element {worst} of {reference.ShapeText} is {onnx.Data[worst]:R} under ONNX Runtime but {reference.Data[worst]:R} in the reference; " +
                $"difference {Error(reference, onnx, worst):E2}, allowed {OfScale:E0} x scale {scale:G4} = {bound:E2} ({Why})"));
    }

    /// <summary>The largest |onnx - reference| over the scale: what a run observed, for the docs.</summary>
    public static double ErrorOfScale(Tensor reference, Tensor onnx)
    {
        double scale = Scale(reference);
        double error = Enumerable.Range(0, reference.Count).Select(i => Error(reference, onnx, i)).DefaultIfEmpty(0).Max();
        return scale == 0 ? error : error / scale;
    }

    private static double Scale(Tensor t) => t.Data.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();

    private static double Error(Tensor reference, Tensor onnx, int i) => Math.Abs((double)onnx.Data[i] - reference.Data[i]);
}
