using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>A plan file is read like every input: a regular file only, refused before it is opened.</summary>
public class PlanFileTests : System.IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [UnixFact]
    public void A_fifo_a_device_or_a_directory_is_a_plan_file_problem_naming_it()
    {
        foreach (var (path, reason) in new[]
                 {
                     (_tree.Fifo("plan.json"), "it is a FIFO (named pipe), not a regular file"),
                     ("/dev/zero", "it is a character device, not a regular file"),
                     (_tree.Folder("dir.json"), "it is a directory, not a file"),
                 })
        {
            var e = Assert.IsType<PlacementException>(Bounded.Run(() => Record.Exception(() => PlacementJson.ReadFile(path))));
            Assert.Equal(PlacementProblem.PlanFile, e.Problem);
            Assert.Equal($"cannot read '{path}': {reason}", e.Message);
        }
    }
}
