using System.Collections.Generic;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;

namespace GraphDsl.Frontend.Semantics;

/// <summary>Where lowering currently emits: the region, the names already used for weights and calls
/// in it, the default weight dtype, and what kind of body it is.</summary>
internal sealed class EmitContext
{
    public EmitContext(Region region, IrBuilder builder, Scope scope, FileUnit file, DType defaultDType, bool isModel, BlockSyntax? block)
    {
        Region = region; Builder = builder; Scope = scope; File = file; DefaultDType = defaultDType; IsModel = isModel; Block = block;
    }

    public Region Region { get; }
    public IrBuilder Builder { get; }
    public Scope Scope { get; set; }
    public FileUnit File { get; }
    public DType DefaultDType { get; set; }
    public bool IsModel { get; }
    public BlockSyntax? Block { get; }
    /// <summary>Names of weights and calls in this region (they become weight-name prefixes).</summary>
    public HashSet<string> UsedNames { get; } = new();
    /// <summary>Set once a block's return statement ran.</summary>
    public IReadOnlyList<CtValue>? Returned { get; set; }

    /// <summary>A fresh region that shares the file, default dtype and kind (for repeat bodies).</summary>
    public EmitContext Nested(Region region, IrBuilder builder, Scope scope) =>
        new(region, builder, scope, File, DefaultDType, IsModel, Block);

    /// <summary>base, base_1, base_2, ... : the first unused name.</summary>
    public string Allocate(string baseName)
    {
        var name = baseName;
        for (int i = 1; UsedNames.Contains(name); i++) name = baseName + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        UsedNames.Add(name);
        return name;
    }
}
