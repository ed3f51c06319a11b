using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Passes.Canonicalize;
using GraphDsl.Passes.Densify;
using GraphDsl.Passes.Fusion;
using GraphDsl.Passes.Inline;
using GraphDsl.Passes.Overlap;
using GraphDsl.Passes.Logits;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Passes.Quantize;

namespace GraphDsl.Passes.Core;

/// <summary>Every pass, by pipeline name, with how it is made from its options (each binds them into its typed
/// options record). Nothing else constructs passes.</summary>
public static class PassRegistry
{
    private sealed class Entry
    {
        public Entry(PassInfo info, Func<PassOptions, IPass> create) { Info = info; Create = create; }
        public PassInfo Info { get; }
        public Func<PassOptions, IPass> Create { get; }
    }

    private static readonly List<Entry> Entries = new()
    {
        new(CanonicalizePass.PassInfo, _ => new CanonicalizePass()),
        new(InlinePass.PassInfo, _ => new InlinePass()),
        new(ParallelizePass.PassInfo, o => new ParallelizePass(ParallelLayout.Bind(o))),
        new(QuantizePass.PassInfo, o => new QuantizePass(QuantizeOptions.Bind(o))),
        new(PruneLogitsPass.PassInfo, _ => new PruneLogitsPass()),
        new(FusePass.PassInfo, o => new FusePass(FuseOptions.Bind(o))),
        new(DensifyPass.PassInfo, o => new DensifyPass(DensifyOptions.Bind(o))),
        new(OverlapPass.PassInfo, o => new OverlapPass(OverlapOptions.Bind(o))),
    };

    public static IEnumerable<PassInfo> All => Entries.Select(e => e.Info);
    public static IEnumerable<string> Names => Entries.Select(e => e.Info.Name);
    public static PassInfo? Find(string name) => Entries.FirstOrDefault(e => e.Info.Name == name)?.Info;

    public static IPass Create(PipelineElement element) => Entries.First(e => e.Info == element.Info).Create(element.Options);

    /// <summary>Adds a pass family (called once by each backend that brings passes).</summary>
    public static void Register(PassInfo info, Func<PassOptions, IPass> create)
    {
        lock (Entries)
        {
            if (Entries.Any(e => e.Info.Name == info.Name)) return;
            Entries.Add(new Entry(info, create));
        }
    }
}
