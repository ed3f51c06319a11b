using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Import.Architectures;

/// <summary>Every architecture <c>graphdsl import hf</c> maps, and those it knows but refuses, with the reason.</summary>
public static class ArchitectureRegistry
{
    public static IReadOnlyList<IArchitecture> All { get; } =
        DecoderArchitecture.Families.Cast<IArchitecture>().Concat(new IArchitecture[] { new DeepseekArchitecture(), new DbrxArchitecture() }).ToList();

    /// <summary>Hybrid models need layer kinds the language does not have yet (issue 18, item 2).</summary>
    public static IReadOnlyDictionary<string, string> Refused { get; } = new Dictionary<string, string>
    {
        ["Qwen3NextForCausalLM"] = "its gated DeltaNet (linear attention) layers keep a recurrent state instead of a KV cache, and the language has no op for them yet",
        ["NemotronHForCausalLM"] = "its Mamba-2 (state-space) layers keep a recurrent state instead of a KV cache, and the language has no op for them yet",
        ["JambaForCausalLM"] = "its Mamba (state-space) layers keep a recurrent state instead of a KV cache, and the language has no op for them yet",
        ["MiniMaxM1ForCausalLM"] = "its lightning (linear) attention layers keep a recurrent state instead of a KV cache, and the language has no op for them yet",
    };

    public static IArchitecture? Find(string name) => All.FirstOrDefault(a => a.Names.Contains(name));

    public static IEnumerable<string> Names => All.SelectMany(a => a.Names);
}
