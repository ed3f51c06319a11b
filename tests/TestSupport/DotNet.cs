using System;
using System.IO;

namespace GraphDsl.TestSupport;

/// <summary>The dotnet host for tests that start a child process.</summary>
public static class DotNet
{
    /// <summary>The dotnet that runs the tests (DOTNET_HOST_PATH, set by the CLI), else the one on PATH.</summary>
    public static string Executable
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
        }
    }
}
