using System.Collections.Generic;

namespace GraphDsl.Import.Writing;

/// <summary>A model (or a part of one, <c>model NAME for TARGET</c>) as the importer decided it: its parameters, the
/// statements before and after its layers, and the layers, which <see cref="SpecWriter"/> groups into repeats.</summary>
public sealed class ModelSpec
{
    public ModelSpec(string name, string? target = null)
    {
        Name = name; Target = target;
    }

    public string Name { get; }
    /// <summary>The model this one is a part of (DeepSeek's MTP module), or null.</summary>
    public string? Target { get; }
    public List<string> Comments { get; } = new();
    public List<(string Name, string Value)> Params { get; } = new();
    public string DType { get; set; } = "bf16";
    public List<string> Prologue { get; } = new();
    public List<Layer> Layers { get; } = new();
    public List<string> Epilogue { get; } = new();

    public ModelSpec Param(string name, string value)
    {
        Params.Add((name, value));
        return this;
    }

    public ModelSpec Param(string name, long value) => Param(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public ModelSpec Param(string name, double value) => Param(name, SpecText.Float(value));
}

/// <summary>What <c>graphdsl import hf</c> writes: the header comment, blocks of its own where the standard library has
/// none, the model and its parts.</summary>
public sealed class SpecDocument
{
    public SpecDocument(ModelSpec model) { Model = model; }

    public List<string> Header { get; } = new();
    public List<string> Blocks { get; } = new();
    public ModelSpec Model { get; }
    public List<ModelSpec> Parts { get; } = new();
}
