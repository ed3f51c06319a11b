using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using GraphDsl.TestSupport;
using Xunit.Abstractions;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>
/// The package form: `dotnet pack` the generator into a temporary feed, then build a throwaway project
/// that references it as a NuGet package (the feed added to the machine's default sources, packages
/// restored into a temporary folder so no stale copy is used) and run it.
/// </summary>
[Collection(nameof(DotNetBuilds))]
public class PackageTests
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(8);
    private readonly ITestOutputHelper _log;

    public PackageTests(ITestOutputHelper log) { _log = log; }

    [Fact]
    public void The_packed_generator_works_in_a_project_that_references_the_package()
    {
        var root = Path.Combine(Path.GetTempPath(), "graphdsl-pack-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        var feed = Path.Combine(root, "feed");
        var consumer = Path.Combine(root, "consumer");
        try
        {
            var pack = DotNetProcess.Run(Repo.Root, BuildLimit, null,
                "pack", Path.Combine("src", "SourceGenerator", "GraphDsl.SourceGenerator.csproj"), "-c", "Debug", "-o", feed,
                "--disable-build-servers", "-nologo").EnsureSuccess();
            _log.WriteLine($"dotnet pack: {pack.Elapsed.TotalSeconds:0.0} s");

            var package = Path.Combine(feed, "GraphDsl.SourceGenerator.0.1.0.nupkg");
            Assert.True(File.Exists(package), $"no package at {package}; the feed holds: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                foreach (var dll in new[] { "GraphDsl.SourceGenerator", "GraphDsl.Ir", "GraphDsl.Frontend", "GraphDsl.Passes", "Antlr4.Runtime.Standard" })
                    Assert.Contains($"analyzers/dotnet/cs/{dll}.dll", entries);
                Assert.Contains("build/GraphDsl.SourceGenerator.props", entries);
                Assert.Contains("build/GraphDsl.SourceGenerator.targets", entries);
                Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
            }

            WriteConsumer(consumer, feed);
            var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "packages") };
            var build = DotNetProcess.Run(consumer, BuildLimit, env, "build", "-c", "Debug", "--disable-build-servers", "-nologo").EnsureSuccess();
            _log.WriteLine($"dotnet build (package consumer, restore included): {build.Elapsed.TotalSeconds:0.0} s");
            // The fit check runs inside the compiler and points at the model's name in the .moe file.
            Assert.Contains("llama-3-70b.moe(10,7): warning GD0902: model 'Llama3_70B' needs 141.1 GB for its weights (as declared), more than 1 x h100-sxm hold (85.9 GB)", build.Output);

            var run = DotNetProcess.Run(consumer, TimeSpan.FromMinutes(2), null,
                Path.Combine(consumer, "bin", "Debug", "net10.0", "Consumer.dll")).EnsureSuccess();
            Assert.Equal("Consumer.Models.TinyMoe 1093760 651392 2048\nConsumer.Models.Llama3_70B 80 327680",
                run.Output.Replace("\r\n", "\n").Trim());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void WriteConsumer(string dir, string feed)
    {
        Directory.CreateDirectory(Path.Combine(dir, "Models"));
        // Empty Directory.Build files stop MSBuild from importing any found above the temporary folder.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="graphdsl-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <RootNamespace>Consumer</RootNamespace>
                <GraphDslNamespace>Consumer.Models</GraphDslNamespace>
                <GraphDslHardware>h100-sxm</GraphDslHardware>
                <GraphDslGpus>1</GraphDslGpus>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="GraphDsl.SourceGenerator" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using Consumer.Models;
            System.Console.WriteLine($"{typeof(TinyMoe).FullName} {TinyMoe.TotalParameters} {TinyMoe.ActiveParameters} {TinyMoe.KvBytesPerToken}");
            System.Console.WriteLine($"{typeof(Llama3_70B).FullName} {Llama3_70B.Layers} {Llama3_70B.KvBytesPerToken}");
            """);
        File.Copy(Repo.Sample("tiny-moe"), Path.Combine(dir, "Models", "tiny-moe.moe"));
        File.Copy(Repo.Sample("llama-3-70b"), Path.Combine(dir, "Models", "llama-3-70b.moe"));
    }
}
