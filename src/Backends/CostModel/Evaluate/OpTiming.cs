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
    public double Bytes;
    public Bound Bound;
}
