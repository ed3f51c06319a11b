namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>The plan's weight format as an engine's <c>--quantization</c> method: FP8 is quantized online (or read from an
/// FP8 checkpoint), MXFP4 and NVFP4 load ModelOpt/MX checkpoints; integer formats come from an AWQ or GPTQ checkpoint whose
/// config the engine reads itself, so no flag is written; "keep", BF16 and F16 need none.</summary>
public static class EngineFormats
{
    public static string? Quantization(string weights, string nvfp4Method) => weights switch
    {
        "fp8" or "fp8-e4m3" => "fp8",
        "mxfp4" => "mxfp4",
        "nvfp4" => nvfp4Method,
        _ => null,
    };
}
