namespace GraphDsl.Backends.CostModel.Evaluate;

public enum Bound { Compute, Memory, Communication, Launch }

/// <summary>The time of one plan entry at one workload, per execution, with what bounds it.</summary>
public struct OpTiming
{
    public double Seconds;
    public double ComputeSeconds;
    public double MemorySeconds;
    public double CommSeconds;
    public double LaunchSeconds;
    public double Flops;
    /// <summary>Memory traffic of a kernel; for a collective, the bytes this GPU receives over its links.</summary>
    public double Bytes;
    public Bound Bound;
}
