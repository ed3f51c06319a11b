using System;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>A binary min-heap of (key, request, version) entries: the decode epoch at which a request finishes. Removal is
/// lazy: a preempted request's entry stays and is skipped when its version no longer matches.</summary>
internal sealed class MinHeap
{
    private (long Key, int Request, int Version)[] _items = new (long, int, int)[64];

    public int Count { get; private set; }

    public (long Key, int Request, int Version) Peek => Count > 0 ? _items[0] : throw new InvalidOperationException("empty heap");

    public void Push(long key, int request, int version)
    {
        if (Count == _items.Length) Array.Resize(ref _items, Count * 2);
        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_items[parent].Key <= key) break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = (key, request, version);
    }

    public (long Key, int Request, int Version) Pop()
    {
        var top = Peek;
        var last = _items[--Count];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && _items[child + 1].Key < _items[child].Key) child++;
            if (last.Key <= _items[child].Key) break;
            _items[i] = _items[child];
            i = child;
        }
        if (Count > 0) _items[i] = last;
        return top;
    }
}
