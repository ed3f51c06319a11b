using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Weights;

/// <summary>
/// The module's weights on the device, uploaded on first use in the layout their consumer needs:
/// GEMM weights n-major ([N, K]: a [K, N] weight is transposed, a transpose_w one is already so) and
/// packed in their declared format; vectors (norm scales, biases, sinks) as f32. A block-quantized
/// weight whose blocks do not run along the consumer's reduction axis (a transpose_w use, an embedding
/// table) is uploaded as the f32 values the reference computes with, so results stay identical.
/// </summary>
internal sealed class DeviceWeightStore : IDisposable
{
    private readonly Accelerator _acc;
    private readonly WeightSet _master;
    private readonly Dictionary<string, ModuleWeight> _declared;
    private readonly Dictionary<(string, bool), DeviceWeight> _matrices = new();
    private readonly Dictionary<string, DeviceWeight> _stacked = new();
    private readonly Dictionary<string, MemoryBuffer1D<float, Stride1D.Dense>> _vectors = new();
    private readonly List<MemoryBuffer> _constants = new();

    public DeviceWeightStore(Accelerator accelerator, Module module, WeightSet master)
    {
        _acc = accelerator;
        _master = master;
        _declared = ModuleWeights.Enumerate(module).ToDictionary(w => w.Name, StringComparer.Ordinal);
        foreach (var w in _declared.Values)
        {
            if (!master.TryGet(w.Name, out var t))
                throw new Runtime.IlgpuExecutionException(Runtime.ExecutionFailure.BadWeights, $"weight '{w.Name}' {w.ShapeText} is missing from the weight set");
            if (!t.Shape.Select(d => (long)d).SequenceEqual(w.Shape))
                throw new Runtime.IlgpuExecutionException(Runtime.ExecutionFailure.BadWeights, $"weight '{w.Name}' is {t.ShapeText} but the module declares {w.ShapeText}");
        }
    }

    /// <summary>Device bytes of every weight uploaded so far.</summary>
    public long DeviceBytes => _matrices.Values.Sum(m => m.Bytes) + _stacked.Values.Sum(m => m.Bytes) + _vectors.Values.Sum(v => v.LengthInBytes);

    public DType DeclaredType(string name) => Declared(name).DType;

    /// <summary>A weight [..., A, B] as rows for a GEMM or a gather: transposed to [..., B, A] when
    /// <paramref name="transpose"/> (a [K, N] matmul weight), else [..., A, B] as declared.</summary>
    public DeviceWeight Matrix(string name, bool transpose)
    {
        if (_matrices.TryGetValue((name, transpose), out var w)) return w;
        w = new DeviceWeight(_acc, Pack(name, transpose));
        _matrices[(name, transpose)] = w;
        return w;
    }

    /// <summary>Several n-major weights with the same K stacked by rows (one GEMM for q, k and v, or gate and up);
    /// null when their formats cannot share one layout.</summary>
    public DeviceWeight? Stacked(IReadOnlyList<(string Name, bool Transpose)> parts)
    {
        var key = string.Join("|", parts.Select(p => p.Name + (p.Transpose ? "^T" : "")));
        if (_stacked.TryGetValue(key, out var w)) return w;
        var packed = parts.Select(p => Pack(p.Name, p.Transpose)).ToArray();
        if (!PackedWeight.CanStack(packed)) return null;
        w = new DeviceWeight(_acc, PackedWeight.Stack(packed));
        _stacked[key] = w;
        return w;
    }

    /// <summary>The weight's values as the module computes with them, f32 in declared layout.</summary>
    public ArrayView<float> Vector(string name)
    {
        if (_vectors.TryGetValue(name, out var v)) return v.View;
        var values = StoredValues(name).Data;
        v = _acc.Allocate1D<float>(Math.Max(1, values.Length));
        HostTransfer.Upload(values, v.View);
        _vectors[name] = v;
        return v.View;
    }

    /// <summary>A device vector of <paramref name="count"/> zeros (a missing bias where a kernel adds two).</summary>
    public ArrayView<float> Zeros(long count)
    {
        var key = "\0zeros:" + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_vectors.TryGetValue(key, out var v)) return v.View;
        v = _acc.Allocate1D<float>(Math.Max(1, count));
        v.MemSetToZero();
        _vectors[key] = v;
        return v.View;
    }

    /// <summary>Constant tables a traced kernel reads (an elementwise program's code); kept as long as the store.</summary>
    public ArrayView<int> Ints(int[] values)
    {
        var buffer = _acc.Allocate1D<int>(Math.Max(1, values.Length));
        HostTransfer.Upload(values, buffer.View);
        _constants.Add(buffer);
        return buffer.View;
    }

    public ArrayView<float> Floats(float[] values)
    {
        var buffer = _acc.Allocate1D<float>(Math.Max(1, values.Length));
        HostTransfer.Upload(values, buffer.View);
        _constants.Add(buffer);
        return buffer.View;
    }

    private PackedWeight Pack(string name, bool transpose)
    {
        var declared = Declared(name);
        var master = _master[name];
        if (master.Rank < 2) throw new ArgumentException($"weight '{name}' {master.ShapeText} is not a matrix");
        int a = master.Dim(-2), b = master.Dim(-1), batches = master.Count / Math.Max(1, a * b);
        var type = declared.DType;
        bool blocked = type.BlockSize > 0 || type.Kind == ElementKind.Int;
        if (!PackedWeight.IsPackable(type) || (blocked && !transpose))
            // Blocks would run across rows here: upload the reference's values instead.
            return PackedWeight.Pack(StoredValues(name).Data, batches * a, b, DType.F32);
        return transpose ? PackedWeight.Pack(SwapLastTwo(master.Data, batches, a, b), batches * b, a, type) : PackedWeight.Pack(master.Data, batches * a, b, type);
    }

    private Tensor StoredValues(string name)
    {
        var type = Declared(name).DType;
        var master = _master[name];
        return WeightStorage.Rounds(type) ? WeightStorage.Round(master, type) : master;
    }

    private ModuleWeight Declared(string name) =>
        _declared.TryGetValue(name, out var w) ? w : throw new ArgumentException($"the module declares no weight '{name}'");

    private static float[] SwapLastTwo(float[] data, int batches, int rows, int cols)
    {
        var r = new float[data.Length];
        for (int bt = 0; bt < batches; bt++)
        {
            long o = (long)bt * rows * cols;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) r[o + (long)j * rows + i] = data[o + (long)i * cols + j];
        }
        return r;
    }

    public void Dispose()
    {
        foreach (var w in _matrices.Values) w.Dispose();
        foreach (var w in _stacked.Values) w.Dispose();
        foreach (var v in _vectors.Values) v.Dispose();
        foreach (var b in _constants) b.Dispose();
    }
}
