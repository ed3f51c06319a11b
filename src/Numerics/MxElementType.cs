namespace GraphDsl.Numerics;

/// <summary>Element formats of the OCP MX block formats implemented here.</summary>
public enum MxElementType
{
    /// <summary>MXFP4: FP4 E2M1 elements, packed two per byte.</summary>
    Fp4E2M1,

    /// <summary>MXFP8 with FP8 E4M3 elements.</summary>
    Fp8E4M3,

    /// <summary>MXFP8 with FP8 E5M2 elements.</summary>
    Fp8E5M2,
}
