using System.Collections.Generic;
using GraphDsl.Backends.Ilgpu.Planning;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>What the last step ran: its instructions (about one kernel launch each), the arena the
/// buffer planner laid out, and the fusion patterns its fused kernels were lowered with.</summary>
public sealed record StepReport(int Instructions, BufferPlan Buffers, IReadOnlyList<string> FusionPatterns, long WeightBytes, long CacheBytes);
