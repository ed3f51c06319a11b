using System;
using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.CostModel.Plan;

/// <summary>
/// The plan's entries in program order with the repeat loops around them: an item is either an entry
/// index or a nested loop. The stream schedule walks it; the step time scales a loop's body by its
/// count, a trace unrolls it.
/// </summary>
public sealed class ScheduleLoop
{
    public ScheduleLoop(long count, string name) { Count = count; Name = name; }

    public long Count { get; }
    public string Name { get; }
    public List<ScheduleItem> Items { get; } = new();
}

/// <summary>An entry (<see cref="Loop"/> null) or a nested loop.</summary>
public readonly struct ScheduleItem
{
    public ScheduleItem(int entry, ScheduleLoop? loop) { Entry = entry; Loop = loop; }
    public int Entry { get; }
    public ScheduleLoop? Loop { get; }
}

/// <summary>Builds the loop tree while the plan's entries are added in walk (pre-)order.</summary>
internal sealed class ScheduleBuilder
{
    private readonly Region _body;
    private readonly Func<string, long?> _param;
    private readonly List<(Operation Repeat, ScheduleLoop Loop)> _open = new();

    public ScheduleBuilder(Region body, Func<string, long?> param)
    {
        _body = body; _param = param;
        Root = new ScheduleLoop(1, "");
    }

    public ScheduleLoop Root { get; }

    public void Add(Operation op, int entry)
    {
        var chain = Repeats(op);
        int common = 0;
        while (common < chain.Count && common < _open.Count && _open[common].Repeat == chain[common]) common++;
        _open.RemoveRange(common, _open.Count - common);
        for (int i = common; i < chain.Count; i++)
        {
            var r = chain[i];
            long count = r.Attributes.GetInt("count")?.Evaluate(_param, _ => null) ?? 1;
            var loop = new ScheduleLoop(count, r.Attributes.GetString("name") ?? "layers");
            Current.Items.Add(new ScheduleItem(-1, loop));
            _open.Add((r, loop));
        }
        Current.Items.Add(new ScheduleItem(entry, null));
    }

    private ScheduleLoop Current => _open.Count == 0 ? Root : _open[_open.Count - 1].Loop;

    /// <summary>The repeats enclosing <paramref name="op"/>, outermost first.</summary>
    private List<Operation> Repeats(Operation op)
    {
        var chain = new List<Operation>();
        var o = op;
        while (o.ParentRegion is { } r && r != _body && r.Parent is { } parent)
        {
            if (parent.Def.Structure == OpStructure.Loop) chain.Add(parent);
            o = parent;
        }
        chain.Reverse();
        return chain;
    }
}
