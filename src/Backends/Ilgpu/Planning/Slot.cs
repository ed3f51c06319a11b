namespace GraphDsl.Backends.Ilgpu.Planning;

/// <summary>One intermediate buffer of a traced step: its size in floats, the instructions that first
/// write and last read it, and the arena offset the planner gives it.</summary>
internal sealed class Slot
{
    public Slot(int id, long length) { Id = id; Length = length; }

    public int Id { get; }
    public long Length { get; }
    public int Born { get; set; } = -1;
    public int Dies { get; set; } = -1;
    /// <summary>Kept until the step ends (outputs are read back after the last instruction).</summary>
    public bool Pinned { get; set; }
    public long Offset { get; set; }
}
