using System.Collections.Generic;
using GraphDsl.Backends.Ilgpu.Lowering;
using GraphDsl.Backends.Ilgpu.Planning;

namespace GraphDsl.Backends.Ilgpu.Execution;

/// <summary>A traced step: its instructions, where its intermediates live in the arena, its outputs,
/// and the host-side checks its inputs need. Valid for one batch and length (and one context length
/// when <see cref="DependsOnContext"/>).</summary>
internal sealed class StepTrace
{
    public StepTrace(TraceContext traced)
    {
        Instructions = traced.Instructions.ToArray();
        Outputs = new Dictionary<string, TValue>(traced.Outputs);
        IdChecks = traced.IdChecks.ToArray();
        DependsOnContext = traced.DependsOnContext;
        FusionPatterns = traced.FusionPatterns.ToArray();
        Plan = BufferPlanner.Plan(traced.Slots, Instructions.Length);
    }

    public Instruction[] Instructions { get; }
    public IReadOnlyDictionary<string, TValue> Outputs { get; }
    public (string Input, int Vocabulary, string Op)[] IdChecks { get; }
    public bool DependsOnContext { get; }
    public string[] FusionPatterns { get; }
    public BufferPlan Plan { get; }
}
