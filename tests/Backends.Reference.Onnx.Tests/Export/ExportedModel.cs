using System.Collections.Generic;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>One kv.cache op of one repeat iteration: the graph input that holds its entries before the
/// step ([batch, past, ...entry]) and the graph output that holds them after ([batch, ctx, ...entry]).</summary>
internal sealed record CacheSlot(string Past, string Present, string Path, long[] EntryDims);

/// <summary>An exported module: the ONNX model's bytes, the module's inputs and outputs by name, and the
/// cache slots a runner feeds from one step's presents to the next step's pasts.</summary>
internal sealed record ExportedModel(byte[] Bytes, IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyList<CacheSlot> Caches, IReadOnlyList<OnnxNode> Nodes);
