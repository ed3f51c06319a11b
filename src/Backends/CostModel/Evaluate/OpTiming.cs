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
    /// <summary>For an asynchronous collective (comm.start): the share of the SMs it occupies while in flight, slowing the
    /// compute beside it (<see cref="StreamSchedule"/>); the start's <c>sm_share</c>, or the share of the kernels that carry
    /// it where they are known (<see cref="Collectives.DeepEpSmShare"/>).</summary>
    public double SmShare;
}
