using GraphDsl.Backends.Weights.Safetensors;

namespace GraphDsl.Fuzz;

/// <summary>A safetensors file as <c>weights check</c> and <c>run</c> open it: the header is validated, then every
/// tensor is read and converted to f32 (its bytes lie inside the input, so memory stays bounded by the input).</summary>
internal static class SafetensorsTarget
{
    public static void Run(byte[] input)
    {
        try
        {
            using var file = SafetensorsFile.FromBytes(input);
            foreach (var tensor in file.Tensors) _ = file.ReadFloat32(tensor.Name);
        }
        catch (SafetensorsException) { }
    }
}
