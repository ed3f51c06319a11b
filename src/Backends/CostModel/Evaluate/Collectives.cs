using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Evaluate;

/// <summary>
/// Time of a collective over the links it crosses. Ranks are laid out tensor-parallel innermost, then
/// data-parallel, then pipeline (Megatron's order), so a group of g contiguous GPUs stays inside one
/// node when g fits and otherwise spans ceil(g / gpus-per-node) nodes.
/// Ring all-reduce: 2(g-1)/g of the message per GPU; hierarchical across nodes: the intra-node ring plus
/// an inter-node all-reduce of each GPU's 1/g_node share over its NIC. All-gather and reduce-scatter move
/// (g-1)/g. All-to-all: the share of rows bound for other nodes crosses the NIC while the rest crosses
/// NVLink, in parallel. Each collective also pays a fixed latency (profile constant, plus the network's
/// latency when it leaves the node). Inside a node, where the device has measured curves (nccl-tests, 2 to 8
/// GPUs) and the profile uses them, a collective takes the measured time instead: small messages cost what NCCL
/// measured (7-16 us on 8 GPUs), not the profile's few microseconds.
/// </summary>
public sealed class Collectives
{
    private readonly Cluster _cluster;
    private readonly EfficiencyProfile _eff;
    private readonly ParallelLayout _layout;

    // Measured curves by GPU count inside a node (index = GPUs), looked up once: the engine's own all-reduce, and
    // NCCL's all-reduce, all-gather, reduce-scatter and all-to-all. A count without its own curve between two measured
    // ones takes their geometric blend.
    private readonly GroupCurve[] _engineCurve = new GroupCurve[9];
    private readonly GroupCurve[] _ncclAllReduce = new GroupCurve[9];
    private readonly GroupCurve[] _ncclAllGather = new GroupCurve[9];
    private readonly GroupCurve[] _ncclReduceScatter = new GroupCurve[9];
    private readonly GroupCurve[] _ncclAllToAll = new GroupCurve[9];

    /// <summary>One GPU count's all-reduce curve: measured, or blended geometrically in the GPU count between
    /// the nearest measured counts below and above (t = t_lo^(1-w) t_hi^w, w = ln(g/g_lo) / ln(g_hi/g_lo)).</summary>
    private readonly struct GroupCurve
    {
        private readonly MeasuredCurve? _lo, _hi;
        private readonly double _w;
        public GroupCurve(MeasuredCurve? lo, MeasuredCurve? hi, double w) { _lo = lo; _hi = hi; _w = w; }
        public bool Exists => _lo is not null;
        public double At(double bytes) => _hi is null ? _lo!.At(bytes) : Math.Pow(_lo!.At(bytes), 1 - _w) * Math.Pow(_hi.At(bytes), _w);

        public static GroupCurve For(IReadOnlyDictionary<int, MeasuredCurve>? curves, int g)
        {
            if (curves is null) return default;
            if (curves.TryGetValue(g, out var exact)) return new GroupCurve(exact, null, 0);
            int lo = 0, hi = int.MaxValue;
            foreach (var k in curves.Keys)
            {
                if (k < g && k > lo) lo = k;
                if (k > g && k < hi) hi = k;
            }
            if (lo == 0 || hi == int.MaxValue) return default;
            return new GroupCurve(curves[lo], curves[hi], Math.Log((double)g / lo) / Math.Log((double)hi / lo));
        }

        /// <summary>As <see cref="For"/>, but a count outside the measured ones takes the nearest measured curve.</summary>
        public static GroupCurve Nearest(IReadOnlyDictionary<int, MeasuredCurve> curves, int g)
        {
            var inside = For(curves, g);
            if (inside.Exists || curves.Count == 0) return inside;
            int nearest = g < curves.Keys.Min() ? curves.Keys.Min() : curves.Keys.Max();
            return new GroupCurve(curves[nearest], null, 0);
        }

        /// <summary>As <see cref="Nearest"/>, among the curves measured over as many nodes as the group spans: one node
        /// (at most <paramref name="perNode"/> GPUs) or several. DeepEP's normal kernels are two programs, NVLink only inside
        /// a node (<c>intranode_dispatch</c>) and RDMA between nodes with NVLink forwarding (<c>internode_dispatch</c>), so
        /// no blend or extrapolation crosses from one to the other; a group with no curve of its kind has none.</summary>
        public static GroupCurve NearestOfSameSpan(IReadOnlyDictionary<int, MeasuredCurve> curves, int g, int perNode)
        {
            bool spans = g > perNode;
            var same = curves.Where(c => c.Key > perNode == spans).ToDictionary(c => c.Key, c => c.Value);
            return Nearest(same, g);
        }
    }

    /// <summary>One implementation's measured expert dispatch and combine curves by expert-parallel group, with the
    /// group's curves looked up once.</summary>
    private sealed class EpKernels
    {
        private readonly IReadOnlyDictionary<int, MeasuredCurve>? _dispatch, _combine;
        private readonly int _perNode;
        private readonly bool _sameSpan;
        private int _group;
        private GroupCurve _dispatchAt, _combineAt;

        /// <param name="sameSpan">Whether a group reads only curves measured over as many nodes as it spans, one node or
        /// several (<see cref="GroupCurve.NearestOfSameSpan"/>), else the nearest of all.</param>
        private EpKernels(IReadOnlyDictionary<int, MeasuredCurve>? dispatch, IReadOnlyDictionary<int, MeasuredCurve>? combine, int perNode, bool sameSpan)
        {
            _dispatch = dispatch; _combine = combine; _perNode = perNode; _sameSpan = sameSpan;
        }

        /// <summary>The device's curves of <paramref name="implementation"/>, or null where the profile names none.</summary>
        public static EpKernels? Of(Device device, string implementation, int perNode, bool sameSpan)
        {
            if (implementation.Length == 0) return null;
            IReadOnlyDictionary<int, MeasuredCurve>? Curves(string kind) =>
                device.CurvesOf(kind).TryGetValue(implementation, out var c) && c.Count > 0 ? c : null;
            return new EpKernels(Curves("ep_dispatch"), Curves("ep_combine"), perNode, sameSpan);
        }

        public double? Time(bool combine, double bytes, int group)
        {
            if (group <= 1 || bytes <= 0) return null;
            if (group != _group)
            {
                _group = group;
                _dispatchAt = Lookup(_dispatch, group);
                _combineAt = Lookup(_combine, group);
            }
            var at = combine ? _combineAt : _dispatchAt;
            return at.Exists ? at.At(bytes) : null;
        }

        private GroupCurve Lookup(IReadOnlyDictionary<int, MeasuredCurve>? curves, int group) =>
            curves is null ? default : _sameSpan ? GroupCurve.NearestOfSameSpan(curves, group, _perNode) : GroupCurve.Nearest(curves, group);
    }

    // The profile's measured expert dispatch and combine kernels: for decode (DeepEP low-latency) and for prefill (DeepEP normal).
    private readonly EpKernels? _decodeEp, _prefillEp;

    public Collectives(Cluster cluster, EfficiencyProfile eff, ParallelLayout layout)
    {
        _cluster = cluster; _eff = eff; _layout = layout;
        _decodeEp = EpKernels.Of(cluster.Device, eff.EpDecodeAllToAll, PerNode, sameSpan: false);
        _prefillEp = EpKernels.Of(cluster.Device, eff.EpPrefillAllToAll, PerNode, sameSpan: true);
        // Profiles that take measured collectives (those naming an all-reduce curve) take them for every collective.
        if (eff.AllReduceCurve.Length == 0) return;
        var device = cluster.Device;
        IReadOnlyDictionary<int, MeasuredCurve>? Nccl(string collective) => device.CurvesOf(collective).TryGetValue("nccl", out var c) ? c : null;
        var own = device.AllReduce.TryGetValue(eff.AllReduceCurve, out var o) ? o : null;
        var (allReduce, allGather, reduceScatter, allToAll) = (Nccl("all_reduce"), Nccl("all_gather"), Nccl("reduce_scatter"), Nccl("all_to_all"));
        for (int g = 2; g < _engineCurve.Length; g++)
        {
            _engineCurve[g] = GroupCurve.For(own, g);
            _ncclAllReduce[g] = GroupCurve.For(allReduce, g);
            _ncclAllGather[g] = GroupCurve.For(allGather, g);
            _ncclReduceScatter[g] = GroupCurve.For(reduceScatter, g);
            _ncclAllToAll[g] = GroupCurve.For(allToAll, g);
        }
    }

    /// <summary>NCCL's measured time for a collective of <paramref name="bytes"/> (nccl-tests' size) inside a node, or null
    /// where the device has no curve for the group or the profile does not use measured collectives.</summary>
    private static double? Measured(GroupCurve[] curves, double bytes, int group) =>
        group < curves.Length && curves[group].Exists ? curves[group].At(bytes) : null;

    /// <summary>An all-reduce inside a node from the measured curves, when the profile uses them and the
    /// device has one for the GPU count: the engine's own kernels or NCCL, whichever is faster at the size.</summary>
    private double? MeasuredAllReduce(double bytes, int group)
    {
        var own = Measured(_engineCurve, bytes, group);
        var nccl = Measured(_ncclAllReduce, bytes, group);
        return own is null ? nccl : nccl is null ? own : Math.Min(own.Value, nccl.Value);
    }

    private double Intra => Math.Max(1, _cluster.Device.IntraNode.BytesPerSecond * _eff.EtaLink);
    private double Net => Math.Max(1, (_cluster.Device.Network.BytesPerSecond > 0 ? _cluster.Device.Network.BytesPerSecond : _cluster.Device.IntraNode.BytesPerSecond) * _eff.EtaLink);
    private int PerNode => Math.Max(1, _cluster.GpusPerNode);

    /// <summary>
    /// GPUs of a group that share a node, and the nodes it spans. Ranks are numbered tensor-parallel innermost,
    /// then data-parallel: a tp, ep or whole-stage group is contiguous, a data-parallel group strides by tp
    /// (its members are the same tensor-parallel rank of each replica).
    /// </summary>
    public (int PerNode, int Nodes) Span(int group, string axis)
    {
        int stride = axis == "dp" ? Math.Max(1, _layout.Tp) : 1;
        int perNode = stride >= PerNode ? 1 : Math.Max(1, Math.Min(group, PerNode / stride));
        return (perNode, (group + perNode - 1) / perNode);
    }

    public double Time(CollectiveKind kind, double bytes, int group, string axis)
    {
        if (kind == CollectiveKind.Send) return SendTime(bytes);
        if (group <= 1 || bytes <= 0) return 0;
        var (perNode, nodes) = Span(group, axis);
        double g = group, gn = perNode;
        double latency = Latency(nodes);
        switch (kind)
        {
            case CollectiveKind.AllReduce:
                if (nodes == 1) return MeasuredAllReduce(bytes, group) ?? latency + 2 * (g - 1) / g * bytes / Intra;
                return latency + 2 * (gn - 1) / gn * bytes / Intra + 2.0 * (nodes - 1) / nodes * (bytes / gn) / Net;
            case CollectiveKind.AllGather:
            case CollectiveKind.ReduceScatter:
                if (nodes == 1)
                    return Measured(kind == CollectiveKind.AllGather ? _ncclAllGather : _ncclReduceScatter, bytes, group) ?? latency + (g - 1) / g * bytes / Intra;
                return latency + (gn - 1) / g * bytes / Intra + (g - gn) / g * bytes / Net;
            case CollectiveKind.AllToAll:
            {
                if (nodes == 1 && Measured(_ncclAllToAll, bytes, group) is { } measured) return measured;
                double intraPart = (gn - 1) / g * bytes / Intra;
                double interPart = nodes > 1 ? (g - gn) / g * bytes / Net : 0;
                return latency + Math.Max(intraPart, interPart);
            }
            default:
                return 0;
        }
    }

    /// <summary>The bytes one GPU receives in a collective whose payload (as the plan states it: the message of
    /// an all-reduce, the gathered result of an all-gather, the input of a reduce-scatter, the rows times fanout of an
    /// all-to-all) is <paramref name="bytes"/>: a ring all-reduce receives 2(g-1)/g of it, the others (g-1)/g.</summary>
    public static double Received(CollectiveKind kind, double bytes, int group) =>
        kind == CollectiveKind.Send ? bytes
        : group <= 1 ? 0
        : (kind == CollectiveKind.AllReduce ? 2.0 : 1.0) * (group - 1) / group * bytes;

    private double Latency(int nodes) => _eff.CollectiveSeconds + (nodes > 1 ? _cluster.Device.Network.LatencySeconds : 0);

    /// <summary>
    /// An expert-parallel dispatch (or its combine) of <paramref name="rowBytes"/> of token rows per GPU over a group
    /// whose GPUs each hold <paramref name="localSlots"/> of the layer's <paramref name="slots"/> expert slots, each
    /// token picking <paramref name="topK"/> experts. A token is sent once to each GPU that holds one of its experts,
    /// not once per expert, and once to each other node, whose receiving GPU forwards it over NVLink to the GPUs
    /// there that need it (DeepEP's normal kernels: <c>get_dispatch_layout</c>'s <c>is_token_in_rank</c> and
    /// per-RDMA-rank counts, https://github.com/deepseek-ai/DeepEP). Per GPU, with n nodes of g_n GPUs:
    /// NVLink carries rows x n x (g_n - 1) x p(L) and the NIC rows x (n - 1) x p(g_n L), where p(S) is the chance a
    /// token picks one of S given slots, 1 - C(P - S, k) / C(P, k); the two links run at once.
    /// </summary>
    public double Dispatch(double rowBytes, int group, double slots, double localSlots, double topK)
    {
        var (nvlink, network) = DispatchTraffic(rowBytes, group, slots, localSlots, topK);
        if (nvlink + network <= 0) return 0;
        // Inside a node, NCCL's measured all-to-all moving as many bytes per GPU: a buffer of S sends S (g-1)/g.
        if (network == 0 && Measured(_ncclAllToAll, nvlink * group / Math.Max(1, group - 1), group) is { } measured) return measured;
        return Latency(Span(group, "ep").Nodes) + Math.Max(nvlink / Intra, network / Net);
    }

    /// <summary>SMs DeepEP's normal (prefill) kernels run on: V1's <c>Buffer.num_sms</c> default of 20 (deep_ep/buffer.py),
    /// which SGLang keeps unless <c>--deepep-config</c> sets another (DeepEPConfig: <c>num_sms = Buffer.num_sms</c>, in
    /// python/sglang/srt/layers/moe/token_dispatcher/deepep.py); its two-batch overlap then gives DeepGEMM the rest
    /// (operations_strategy.py: <c>deep_gemm_num_sms = total_num_sms - DeepEPConfig.get_instance().num_sms</c>).</summary>
    public const int DeepEpNormalSms = 20;

    /// <summary>
    /// The share of the SMs an expert exchange carried by the profile's measured DeepEP kernels occupies while in flight:
    /// none for the low-latency kernels of a decode step, whose receive is a hook (DeepEP V1 README: "a hook-based
    /// communication-computation overlapping method that does not occupy any SM resource"; SGLang builds its dispatcher
    /// with <c>return_recv_hook=True</c>), so the RDMA transfer runs beside the other micro-batch's compute without
    /// slowing it; <see cref="DeepEpNormalSms"/> of the device's SMs for the normal kernels of a prefill step. Null where
    /// the device states no SM count.
    /// </summary>
    public static double? DeepEpSmShare(CostPhase phase, Device device) =>
        phase == CostPhase.Decode ? 0 : device.SmCount > 0 ? Math.Min(0.5, (double)DeepEpNormalSms / device.SmCount) : null;

    /// <summary>
    /// A decode step's expert dispatch (or combine) on the profile's measured kernels (<see cref="EfficiencyProfile.EpDecodeAllToAll"/>),
    /// or null where the profile or the device has none. <paramref name="copyBytes"/> is one rank's token-expert copies as
    /// 16-bit rows (tokens x top-k x hidden x 2), the curves' measure, so another hidden size or top-k reads the same curve.
    /// DeepEP's low-latency kernels send a token once per chosen expert, not once per GPU, and their time was measured per
    /// expert-parallel group over 1 to 8 nodes: a group between two measured ones takes their geometric blend, one outside
    /// the measured range the nearest (a rank's traffic, not the group's, sets the time).
    /// </summary>
    public double? LowLatencyExchange(bool combine, double copyBytes, int group) => _decodeEp?.Time(combine, copyBytes, group);

    /// <summary>
    /// A prefill step's expert dispatch (or combine) on the profile's measured kernels (<see cref="EfficiencyProfile.EpPrefillAllToAll"/>),
    /// or null where the profile or the device has none for the group. <paramref name="rowBytes"/> is one rank's token rows
    /// at 16 bits (tokens x hidden x 2); DeepEP's normal kernels send a row once to each GPU holding one of its experts, so
    /// the curves' measure is the rows times the GPUs a token reaches (<see cref="NormalCopies"/>), which lets another hidden
    /// size, top-k or expert count read DeepSeek-V3's curves. A group takes the curve of its size, the geometric blend of
    /// the two around it, or the nearest, among the curves measured over as many nodes as it spans
    /// (<see cref="GroupCurve.NearestOfSameSpan"/>).
    /// </summary>
    public double? NormalExchange(bool combine, double rowBytes, int group, double slots, double localSlots, double topK) =>
        _prefillEp?.Time(combine, rowBytes * NormalCopies(group, slots, localSlots, topK), group);

    /// <summary>The GPUs of a group of <paramref name="group"/> that a token reaches, on average, when each holds
    /// <paramref name="localSlots"/> of the <paramref name="slots"/> expert slots and the token picks <paramref name="topK"/>:
    /// group x p(L) (<see cref="PicksAny"/>), the copies DeepEP's normal kernels send of it.</summary>
    public static double NormalCopies(double group, double slots, double localSlots, double topK) => group * PicksAny(slots, localSlots, topK);

    /// <summary>The bytes one GPU sends over NVLink and over its NIC for a dispatch (<see cref="Dispatch"/>).</summary>
    public (double NvLink, double Network) DispatchTraffic(double rowBytes, int group, double slots, double localSlots, double topK)
    {
        if (group <= 1 || rowBytes <= 0) return (0, 0);
        var (perNode, nodes) = Span(group, "ep");
        double nvlink = rowBytes * nodes * (perNode - 1) * PicksAny(slots, localSlots, topK);
        double network = nodes > 1 ? rowBytes * (nodes - 1) * PicksAny(slots, localSlots * perNode, topK) : 0;
        return (nvlink, network);
    }

    /// <summary>The chance that k distinct picks among <paramref name="slots"/> land at least once in a given set of
    /// <paramref name="held"/>: 1 - C(P - S, k) / C(P, k).</summary>
    public static double PicksAny(double slots, double held, double topK)
    {
        if (held >= slots) return 1;
        double none = 1;
        for (int i = 0; i < (int)Math.Round(topK); i++) none *= Math.Max(0, (slots - held - i) / (slots - i));
        return 1 - none;
    }

    /// <summary>A pipeline hand-off: inside a node when a stage's GPUs (tp x dp) leave room, else over the network.</summary>
    private double SendTime(double bytes)
    {
        bool crossesNodes = _layout.Tp * _layout.Dp >= PerNode;
        var link = crossesNodes ? Net : Intra;
        return _eff.CollectiveSeconds + (crossesNodes ? _cluster.Device.Network.LatencySeconds : 0) + bytes / link;
    }
}
