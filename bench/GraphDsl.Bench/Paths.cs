using System;
using System.IO;

namespace GraphDsl.Bench;

internal static class Paths
{
    public static string Root
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "GraphDsl.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? Directory.GetCurrentDirectory();
        }
    }

    public static string Samples => Path.Combine(Root, "samples");
}
