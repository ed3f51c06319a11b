using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Import.Architectures;

/// <summary>Every architecture <c>graphdsl import hf</c> maps, and those it knows but refuses, with the reason.</summary>
public static class ArchitectureRegistry
{
    public static IReadOnlyList<IArchitecture> All { get; } =
        DecoderArchitecture.Families.Cast<IArchitecture>().Concat(new IArchitecture[] { new DeepseekArchitecture(), new DbrxArchitecture(), new NemotronHArchitecture(), new JambaArchitecture() }).ToList();

    /// <summary>Hybrid models whose layer kinds are not mapped yet (issue 18, item 2).</summary>
    public static IReadOnlyDictionary<string, string> Refused { get; } = new Dictionary<string, string>
    {
        ["MiniMaxM1ForCausalLM"] = "its lightning attention layers (linear attention with a fixed decay per head and no delta rule) are not mapped yet",
    };

    public static IArchitecture? Find(string name) => All.FirstOrDefault(a => a.Names.Contains(name));

    public static IEnumerable<string> Names => All.SelectMany(a => a.Names);
}
