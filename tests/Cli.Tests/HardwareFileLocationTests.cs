using System.IO;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// A bad --hardware-file is located as every other input is (file:line:col, GD0604): the hardware reader names the place in
/// its message (a JSON path, or the parser's line and byte) and the CLI walks the file to it. It used to print the path only
/// ("graphdsl: error GD0604: hw.json: devices[0] ..."), leaving the user to count devices in a long file.
/// </summary>
[Collection(nameof(CliCollection))]
public class HardwareFileLocationTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("graphdsl-hwloc-").FullName;

    private static string Write(string text)
    {
        var path = Path.Combine(Dir, System.Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Good = "    {\"id\": \"a\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900},\n"
        + "     \"intra_node\": {\"unidirectional_gbps\": 400}}";

    [Fact]
    public void A_nested_field_of_the_second_device_is_located_at_its_key()
    {
        var path = Write("{\n  \"devices\": [\n" + Good + ",\n    {\"id\": \"b\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, \"peak_tflops\": {\"bf16\": 900},\n"
            + "     \"intra_node\": {\"unidirectional_gbps\": 400},\n     \"measured\": {\"gemm_fraction\": {\"bf16\": 0.7},\n       \"hbm_fraction\": 3}}\n  ]\n}\n");
        var r = CliRunner.Run("hardware", "--hardware-file", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"{path}:8:8: error GD0604: devices[1] ('b'): measured.hbm_fraction must be in (0, 1]", r.Err.Trim());
    }

    [Fact]
    public void A_missing_field_is_located_at_its_device()
    {
        var path = Write("{\n  \"devices\": [\n" + Good + ",\n    {\"id\": \"b\", \"memory_bytes\": 8e10}\n  ]\n}\n");
        var r = CliRunner.Run("hardware", "--hardware-file", path);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"{path}:5:5: error GD0604: devices[1] ('b'): missing or invalid '", r.Err.Trim());
    }

    [Fact]
    public void Malformed_json_is_located_where_the_parser_stopped()
    {
        var path = Write("{\n  \"devices\": [\n    {\"id\": \"x\",\n  ]\n}\n");
        var r = CliRunner.Run("hardware", "--hardware-file", path);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"{path}:4:3: error GD0604: not valid JSON: ']' is an invalid start of a property name.", r.Err.Trim());
    }
}
