using System;
using System.IO;
using System.Linq;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.TestSupport;

namespace GraphDsl.Frontend.Tests.Imports;

/// <summary>
/// Imports resolve beside the importing file and under the import roots (the root file's folder and the
/// --import-path directories), like C's #include with -I but confined: nothing outside a root is read,
/// lexically or through a symbolic link, only regular .moe files within the source size limit are read,
/// and no diagnostic quotes a refused file. Each case ends in bounded time and memory.
/// </summary>
public class ImportConfinementTests : IDisposable
{
    /// <summary>What a secret outside the roots holds; no diagnostic may contain any of it.</summary>
    private const string Secret = "AWS_SECRET_ACCESS_KEY = wJalrXUtnFEMI\n";

    private readonly TempTree _tree = new();

    public ImportConfinementTests()
    {
        _tree.File("outside/secret.moe", Secret);
        _tree.File("outside/blocks.moe", "block id(x: [..., D]) {\n  return x\n}\n");
        _tree.File("project/lib/blocks.moe", "block id(x: [..., D]) {\n  return x\n}\n");
    }

    public void Dispose() => _tree.Dispose();

    private static string Model(string import, string call = "x") =>
        $"import \"{import}\"\nmodel M {{\n  input x: f32[batch, 4]\n  output y = {call}\n}}\n";

    private CompilationResult Compile(string import, string call = "x", params string[] importPaths)
    {
        var root = _tree.File("project/main.moe", Model(import, call));
        return Bounded.Run(() => Compiler.CompileFile(root, null, new FileSystemSourceResolver(root, importPaths.Select(_tree.PathOf))));
    }

    /// <summary>The one diagnostic, located at the import statement (line 1, column 1), quoting no file outside the roots.</summary>
    private Diagnostic Single(CompilationResult result, string id)
    {
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(id, d.Id);
        Assert.EndsWith("main.moe", d.Span.File);
        Assert.Equal((1, 1), (d.Span.Line, d.Span.Column));
        Assert.DoesNotContain("AWS_SECRET", d.Message);
        Assert.DoesNotContain(result.Sources.Keys, k => k.Contains("outside", StringComparison.Ordinal));
        return d;
    }

    [Fact]
    public void A_sibling_file_and_a_subfolder_resolve()
    {
        var result = Compile("lib/blocks", "id(x)");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void Dot_dot_that_stays_inside_the_root_resolves()
    {
        _tree.File("project/lib/uses.moe", "import \"../lib/blocks.moe\"\nblock twice(x: [..., D]) {\n  return id(x) + id(x)\n}\n");
        var result = Compile("lib/uses", "twice(x)");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void Dot_dot_out_of_the_root_is_refused_without_reading()
    {
        var d = Single(Compile("../outside/secret.moe"), DiagnosticCatalog.ImportRefused.Id);
        Assert.StartsWith("cannot import '../outside/secret.moe': it leads outside the import roots (", d.Message);
    }

    [Fact]
    public void An_absolute_path_is_refused_without_reading()
    {
        var d = Single(Compile(_tree.PathOf("outside/secret.moe")), DiagnosticCatalog.ImportRefused.Id);
        Assert.EndsWith("absolute paths cannot be imported; name the file relative to the importing file or to an import root", d.Message);
    }

    [UnixFact]
    public void Etc_passwd_is_refused_and_no_line_of_it_is_quoted()
    {
        var d = Single(Compile("/etc/passwd"), DiagnosticCatalog.ImportRefused.Id);
        if (File.Exists("/etc/passwd"))
            foreach (var line in File.ReadAllLines("/etc/passwd").Where(l => l.Trim().Length > 0))
                Assert.DoesNotContain(line, d.Message);
        Assert.Equal("cannot import '/etc/passwd': absolute paths cannot be imported; name the file relative to the importing file or to an import root", d.Message);
    }

    [UnixFact]
    public void Dev_zero_is_refused_in_bounded_time_and_memory()
    {
        var d = Single(Compile("/dev/zero"), DiagnosticCatalog.ImportRefused.Id);
        Assert.StartsWith("cannot import '/dev/zero': absolute paths cannot be imported", d.Message);
    }

    [Fact]
    public void Only_moe_files_can_be_imported()
    {
        _tree.File("project/credentials.env", Secret);
        var d = Single(Compile("credentials.env"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Equal("cannot import 'credentials.env': only .moe files can be imported, not '.env'", d.Message);
    }

    [UnixFact]
    public void A_link_inside_the_root_to_a_file_outside_is_refused()
    {
        _tree.Link("project/lib/secret.moe", _tree.PathOf("outside/secret.moe"));
        var d = Single(Compile("lib/secret"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Matches(@"^cannot import 'lib/secret': '.*project/lib/secret\.moe' is a symbolic link to a file outside the import roots$", d.Message);
    }

    [UnixFact]
    public void A_linked_folder_leading_outside_is_refused()
    {
        _tree.Link("project/escape", _tree.PathOf("outside"));
        var d = Single(Compile("escape/secret"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Contains("is a symbolic link to a file outside the import roots", d.Message);
    }

    [UnixFact]
    public void A_relative_link_that_stays_inside_the_roots_is_followed()
    {
        _tree.Link("project/alias.moe", "lib/blocks.moe");
        var result = Compile("alias", "id(x)");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [UnixFact]
    public void A_link_to_dev_zero_is_refused_in_bounded_time_and_memory()
    {
        _tree.Link("project/zero.moe", "/dev/zero");
        var d = Single(Compile("zero"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Contains("is a symbolic link to a file outside the import roots", d.Message);
    }

    [UnixFact]
    public void A_fifo_inside_the_root_is_refused_without_blocking()
    {
        _tree.Fifo("project/pipe.moe");
        var d = Single(Compile("pipe"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Matches(@"^cannot import 'pipe': '.*project/pipe\.moe': it is a FIFO \(named pipe\), not a regular file$", d.Message);
    }

    [Fact]
    public void A_folder_named_like_a_source_is_refused()
    {
        _tree.Folder("project/folder.moe");
        var d = Single(Compile("folder"), DiagnosticCatalog.ImportRefused.Id);
        Assert.EndsWith("folder.moe': it is a directory, not a file", d.Message);
    }

    [Fact]
    public void A_source_over_the_size_limit_is_GD0107_naming_the_file()
    {
        _tree.File("project/huge.moe", "# " + new string('x', Parsing.SyntaxParser.MaxFileBytes) + "\n");
        var d = Single(Compile("huge"), DiagnosticCatalog.FileTooLarge.Id);
        Assert.Matches($@"^source file '.*project/huge\.moe' is {Parsing.SyntaxParser.MaxFileBytes + 3} bytes; the limit is {Parsing.SyntaxParser.MaxFileBytes}$", d.Message);
    }

    [Fact]
    public void A_missing_import_names_every_place_looked()
    {
        var d = Single(Compile("nowhere", "x", "outside"), DiagnosticCatalog.ImportNotFound.Id);
        Assert.Matches(@"^cannot find import 'nowhere': no file '.*project/nowhere\.moe' or '.*outside/nowhere\.moe'$", d.Message);
    }

    [Fact]
    public void An_import_path_makes_a_sibling_folder_a_root()
    {
        Single(Compile("blocks", "id(x)"), DiagnosticCatalog.ImportNotFound.Id);
        var result = Compile("blocks", "id(x)", "outside");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains(result.Sources.Keys, k => k.EndsWith(Path.Combine("outside", "blocks.moe"), StringComparison.Ordinal));
    }

    [Fact]
    public void An_import_path_does_not_open_its_parent()
    {
        _tree.Folder("outside/sub");
        var d = Single(Compile("../secret.moe", "x", "outside/sub"), DiagnosticCatalog.ImportRefused.Id);
        Assert.Matches(@"^cannot import '../secret.moe': it leads outside the import roots \(.*project, .*outside/sub\)$", d.Message);
    }

    [UnixFact]
    public void A_root_file_that_is_a_fifo_or_a_device_is_GD0801()
    {
        var fifo = _tree.Fifo("project/root.moe");
        foreach (var path in new[] { fifo, "/dev/zero", "/dev/urandom", _tree.Folder("project/dir.moe") })
        {
            var result = Bounded.Run(() => Compiler.CompileFile(path));
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal(DiagnosticCatalog.FileNotFound.Id, d.Id);
            Assert.Matches(@"^cannot read '.*': it is a (FIFO \(named pipe\), not a regular file|character device, not a regular file|directory, not a file)$", d.Message);
        }
    }

    [Fact]
    public void A_root_file_over_the_size_limit_is_GD0107_at_its_first_line()
    {
        var path = _tree.File("project/huge.moe", new string('#', Parsing.SyntaxParser.MaxFileBytes + 1));
        var d = Assert.Single(Bounded.Run(() => Compiler.CompileFile(path)).Diagnostics);
        Assert.Equal(DiagnosticCatalog.FileTooLarge.Id, d.Id);
        Assert.Equal(1, d.Span.Line);
        Assert.EndsWith($"is {Parsing.SyntaxParser.MaxFileBytes + 1} bytes; the limit is {Parsing.SyntaxParser.MaxFileBytes}", d.Message);
    }
}
