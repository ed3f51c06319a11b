using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace GraphDsl.Backends.Serving.Planning.Engines;

/// <summary>
/// Reads exported files back and checks them against the engine's data file (<see cref="EngineSpec"/>): every command is
/// the engine's, every flag exists for that engine and version and its value is in range or among its choices, flags
/// that must divide others do, and the layout flags multiply to the GPU count; every YAML key is one the engine reads,
/// with a valid value; Dynamo's worker runs a known backend whose arguments pass that engine's check, on as many GPUs
/// as the plan; an expert-location map holds every expert of every layer in experts + redundant slots.
/// </summary>
public static class ExportCheck
{
    public static List<string> Check(EngineSpec spec, IReadOnlyList<ExportFile> files, int gpus, int experts)
    {
        var problems = new List<string>();
        var names = files.Select(f => f.Name).ToHashSet();
        foreach (var file in files)
        {
            void Report(string p) => problems.Add($"{file.Name}: {p}");
            if (file.Name.EndsWith(".sh", StringComparison.Ordinal))
            {
                var commands = LaunchCommand.Parse(file.Text, spec);
                if (commands.Count == 0) Report($"no {string.Join(" ", spec.Command)} command");
                foreach (var c in commands)
                {
                    if (!c.Program.SequenceEqual(spec.Command)) { Report($"'{string.Join(" ", c.Program.Take(3))}' is not {string.Join(" ", spec.Command)}"); continue; }
                    Command(spec, null, c, gpus, names, Report, inScript: true);
                }
            }
            else if (file.Name.EndsWith(".yaml", StringComparison.Ordinal))
            {
                var leaves = SimpleYaml.Read(file.Text, out var why);
                if (leaves is null) { Report(why!); continue; }
                foreach (var (path, values) in leaves)
                {
                    if (spec.YamlKey(path) is not { } arg) { Report($"'{path}' is not a key {spec.Engine} reads ({spec.Version})"); continue; }
                    if (arg.Type != "list" && values.Count == 1 && EngineSpec.Problem(path, arg, values[0]) is { } p) Report(p);
                }
                if (spec.Engine == "dynamo") Dynamo(spec, leaves, gpus, names, Report);
            }
            else if (file.Name.EndsWith(".json", StringComparison.Ordinal)) ExpertMap(file.Text, experts, files, Report);
        }
        return problems;
    }

    /// <summary>One command's flags against <paramref name="spec"/> (and the wrapper's own flags, for Dynamo's worker).</summary>
    /// <param name="inScript">a launch script's command, whose side files must be named in the script's folder; a Dynamo
    /// worker's arguments name them in its container, bare.</param>
    private static void Command(EngineSpec spec, EngineSpec? wrapper, LaunchCommand c, int gpus, ISet<string> files, Action<string> report, bool inScript = false)
    {
        if (c.Positional.Count != spec.Positional) report($"{spec.Positional} positional argument(s) expected, found {c.Positional.Count}");
        var seen = new HashSet<string>();
        foreach (var (flag, value) in c.Flags)
        {
            if (!seen.Add(flag)) report($"{flag} is given twice");
            var arg = wrapper?.Flags.GetValueOrDefault(flag) ?? spec.Flags.GetValueOrDefault(flag);
            if (arg is null) { report($"{flag} is not a flag of {spec.Engine} ({spec.Version})"); continue; }
            if (EngineSpec.Problem(flag, arg, value) is { } p) report(p);
            else if (arg.Type == "path" && !files.Contains(value!)) report($"{flag} names '{value}', which the export does not write");
            else if (arg.Type == "path" && inScript && !c.IsBesideScript(flag))
                report($"{flag} names '{value}' by its bare name, which the shell looks up in the folder the script is run from; name it \"$here/{value}\"");
        }
        long Int(string flag) => long.TryParse(c.Value(flag), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 1;
        long product = spec.GpuFlags.Aggregate(1L, (acc, f) => acc * Int(f));
        if (product != gpus) report($"{string.Join(" x ", spec.GpuFlags.Select(f => $"{f} {Int(f)}"))} = {product} GPUs, but the plan has {gpus}");
        foreach (var (a, b) in spec.Divides)
            if (c.Has(a) && c.Has(b) && Int(b) % Math.Max(1, Int(a)) != 0) report($"{a} {Int(a)} does not divide {b} {Int(b)}");
    }

    /// <summary>Dynamo's graph: a Frontend, and worker services (one for an aggregated plan; a prefill and a decode one,
    /// marked by subComponentType, for a disaggregated plan) whose replicas x nodes x GPUs add up to the plan's GPUs, each
    /// running a known backend whose arguments pass that engine's check on one replica's GPUs.</summary>
    private static void Dynamo(EngineSpec spec, Dictionary<string, List<string>> leaves, int gpus, ISet<string> files, Action<string> report)
    {
        const string Services = "spec.services.";
        string? One(string path) => leaves.TryGetValue(path, out var v) && v.Count == 1 ? v[0] : null;
        foreach (var required in new[] { "apiVersion", "kind", "spec.services.Frontend.componentType" })
            if (One(required) is null) report($"'{required}' is missing");
        var workers = leaves.Keys.Where(k => k.StartsWith(Services, StringComparison.Ordinal) && k.EndsWith(".componentType", StringComparison.Ordinal) && leaves[k].SequenceEqual(new[] { "worker" }))
            .Select(k => k[Services.Length..^".componentType".Length]).ToList();
        if (workers.Count == 0) { report("no service has componentType worker"); return; }
        var roles = workers.Select(w => One($"{Services}{w}.subComponentType")).ToList();
        if (workers.Count > 1 && !(roles.Contains("prefill") && roles.Contains("decode") && workers.Count == 2))
            report($"worker services {string.Join(", ", workers)} are not one aggregated worker or a prefill and a decode worker");
        long total = 0;
        var sizes = new List<string>();
        foreach (var name in workers)
        {
            string w = $"{Services}{name}.";
            void Report(string p) => report(workers.Count == 1 ? p : $"{name}: {p}");
            if (One(w + "resources.limits.gpu") is null) report($"'{w}resources.limits.gpu' is missing");
            var command = leaves.GetValueOrDefault(w + "extraPodSpec.mainContainer.command") ?? new List<string>();
            var backend = spec.Backends.FirstOrDefault(b => command.SequenceEqual(new[] { "python3", "-m", b.Value })).Key;
            if (backend is null) { Report($"the worker's command '{string.Join(" ", command)}' runs none of {string.Join(", ", spec.Backends.Values)}"); continue; }
            if (One("spec.backendFramework") is { } framework && framework != backend) Report($"spec.backendFramework is {framework}, but the worker runs {backend}");
            long perNode = long.TryParse(One(w + "resources.limits.gpu"), out var g) ? g : 0;
            long nodes = long.TryParse(One(w + "multinode.nodeCount"), out var n) ? n : 1;
            long replicas = long.TryParse(One(w + "replicas"), out var rep) ? rep : 1;
            total += replicas * nodes * perNode;
            sizes.Add(workers.Count == 1 && replicas == 1 ? $"{nodes} node(s) of {perNode} GPUs" : $"{name}: {replicas} x {nodes} node(s) of {perNode} GPUs");
            var engine = EngineSpec.Load(backend);
            var args = leaves.GetValueOrDefault(w + "extraPodSpec.mainContainer.args") ?? new List<string>();
            // Dynamo's worker takes the model as a flag (its own), then the engine's arguments.
            var asEngine = LaunchCommand.FromWords(Enumerable.Repeat("MODEL", engine.Positional).Concat(args).ToList(), engine);
            Command(engine, spec, asEngine, (int)(nodes * perNode), files, p => Report($"worker args: {p}"));
        }
        if (total != gpus) report($"{(workers.Count == 1 ? "the worker has" : "the workers have")} {string.Join(" + ", sizes)} = {total}, but the plan has {gpus}");
    }

    /// <summary>The SGLang commands of the export: its scripts' and Dynamo's SGLang worker's.</summary>
    private static IEnumerable<LaunchCommand> SglangCommands(IReadOnlyList<ExportFile> files)
    {
        var sglang = EngineSpec.Load("sglang");
        foreach (var f in files)
        {
            if (f.Name.EndsWith(".sh", StringComparison.Ordinal))
                foreach (var c in LaunchCommand.Parse(f.Text, sglang)) yield return c;
            else if (f.Name.EndsWith(".yaml", StringComparison.Ordinal)
                     && SimpleYaml.Read(f.Text, out _) is { } leaves)
                foreach (var (key, args) in leaves)
                    if (key.StartsWith("spec.services.", StringComparison.Ordinal) && key.EndsWith(".extraPodSpec.mainContainer.args", StringComparison.Ordinal))
                        yield return LaunchCommand.FromWords(args, sglang);
        }
    }

    /// <summary>SGLang's <c>physical_to_logical_map</c>: rows of experts + redundant slots, each a logical expert, every
    /// expert in every row, the slots splitting evenly over the expert-parallel ranks of the command.</summary>
    private static void ExpertMap(string text, int experts, IReadOnlyList<ExportFile> files, Action<string> report)
    {
        var command = SglangCommands(files).FirstOrDefault(c => c.Has("--ep-num-redundant-experts"));
        long redundant = long.TryParse(command?.Value("--ep-num-redundant-experts"), out var r) ? r : 0;
        long ep = long.TryParse(command?.Value("--ep-size"), out var e) ? e : 1;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("physical_to_logical_map", out var rows) || rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() == 0)
            { report("no physical_to_logical_map rows"); return; }
            int i = 0;
            foreach (var row in rows.EnumerateArray())
            {
                var slots = row.EnumerateArray().Select(x => x.GetInt32()).ToArray();
                if (slots.Length != experts + redundant) report($"row {i} has {slots.Length} slots, not {experts} experts + {redundant} redundant");
                if (slots.Length % ep != 0) report($"row {i}: {slots.Length} slots do not split over --ep-size {ep}");
                if (slots.Any(s => s < 0 || s >= experts)) report($"row {i} names an expert outside 0..{experts - 1}");
                if (slots.Distinct().Count() != experts) report($"row {i} holds {slots.Distinct().Count()} of the {experts} experts");
                i++;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException) { report($"not an expert map: {ex.Message}"); }
    }
}
