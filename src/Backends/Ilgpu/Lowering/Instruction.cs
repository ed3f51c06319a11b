using System;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Planning;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>One launch (or a few that belong together) of a traced step, with the slots it reads and
/// writes so the planner knows their lifetimes.</summary>
internal sealed record Instruction(string Label, Action<StepRun> Run, Slot[] Reads, Slot[] Writes);
