using System.Linq;

namespace GraphDsl.Cli.Tests;

/// <summary>
/// sweep printed one identical row per repeated list value (<c>--gpus 1,1,1</c>, <c>--tp 2,2</c>). The list parsers keep
/// each value once, in its first place: the same number spelt twice (<c>1,01</c>, <c>4k,4096</c>) and a device id in
/// another case are one value.
/// </summary>
[Collection(nameof(CliCollection))]
public class SweepDuplicateValuesTests
{
    [Fact]
    public void Repeated_list_values_give_the_rows_of_the_values_once()
    {
        var repeated = CliRunner.Run("sweep", "samples/tiny-dense.moe", "--hardware", "h100-sxm,H100-SXM", "--gpus", "1,2,1,02", "--tp", "1,2,2,1",
            "--batch", "1,8,1", "--context", "4k,4096", "--prompt", "16,16");
        var once = CliRunner.Run("sweep", "samples/tiny-dense.moe", "--hardware", "h100-sxm", "--gpus", "1,2", "--tp", "1,2",
            "--batch", "1,8", "--context", "4096", "--prompt", "16");
        Assert.True(repeated.ExitCode == 0, repeated.All);
        Assert.True(once.ExitCode == 0, once.All);
        Assert.Equal(once.Out, repeated.Out);
        Assert.Equal(once.Err, repeated.Err);
        var rows = repeated.Out.Split('\n', System.StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("\"\",h100-sxm,")).ToList();
        // tp 1 on one GPU and tp 2 on two, at batches 1 and 8: four rows, each once.
        Assert.Equal(4, rows.Count);
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }
}
