using System.Collections.Generic;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>The semantics of one op: operand tensors and attributes in, result tensors out (in result order).</summary>
public delegate IReadOnlyList<Tensor> OpKernel(OpCall call);
