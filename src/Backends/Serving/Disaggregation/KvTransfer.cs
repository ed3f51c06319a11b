using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Backends.Serving.Disaggregation;

/// <summary>
/// The time to move a prompt's KV cache from a prefill instance to a decode instance once the prefill has ended (as
/// NVIDIA Dynamo's NIXL and vLLM's NixlConnector do: the decode side reads the finished blocks; no layer-wise overlap with
/// the prefill, which Mooncake and DistServe's pipelined transfer would hide in part). Each GPU of the prefill instance
/// sends its shard of the cache and each GPU of the decode instance receives its own, all in parallel over their own
/// links, so the slower side sets the time:
/// <code>t = latency + tokens x max(sent bytes per token per GPU, received bytes per token per GPU) / (eta_link x link)</code>
/// The link is NVLink when both instances lie in one node (NIXL moves GPU memory over NVLink inside a node; DistServe
/// places a prefill and a decode instance in one node for exactly this when the network is slow) and otherwise the
/// network, one NIC per GPU (GPUDirect RDMA, as NIXL and Mooncake's transfer engine use it): hardware.json's
/// <c>intra_node</c> and <c>network</c> links, at the profile's <c>eta_link</c> as for collectives. The transfer shares
/// no bandwidth with the instances' own collectives in this model.
/// </summary>
public sealed class KvTransfer
{
    private readonly double _bytesPerToken;
    private readonly Link _intra, _network;
    private readonly double _eta;
    private readonly bool[,] _sameNode;

    /// <param name="prefillBytesPerToken">KV bytes a prompt token takes on the fullest GPU of a prefill instance.</param>
    /// <param name="decodeBytesPerToken">the same on a decode instance.</param>
    /// <param name="sameNode">[prefill instance, decode instance]: whether the two lie in one node.</param>
    public KvTransfer(Device device, EfficiencyProfile eff, double prefillBytesPerToken, double decodeBytesPerToken, bool[,] sameNode)
    {
        _bytesPerToken = Math.Max(prefillBytesPerToken, decodeBytesPerToken);
        _intra = device.IntraNode;
        _network = device.Network.BytesPerSecond > 0 ? device.Network : device.IntraNode;
        _eta = eff.EtaLink;
        _sameNode = sameNode;
    }

    /// <summary>The link between prefill instance <paramref name="prefill"/> and decode instance <paramref name="decode"/>.</summary>
    public Link LinkBetween(int prefill, int decode) => _sameNode[prefill, decode] ? _intra : _network;

    /// <summary>Seconds to move <paramref name="tokens"/> tokens' KV cache between the two instances.</summary>
    public double Seconds(int prefill, int decode, long tokens)
    {
        var link = LinkBetween(prefill, decode);
        return link.LatencySeconds + tokens * _bytesPerToken / (_eta * link.BytesPerSecond);
    }
}
