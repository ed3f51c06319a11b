using System;
using System.Threading.Tasks;

namespace GraphDsl.TestSupport;

/// <summary>Runs code that reads hostile input and fails the test if it takes longer than a time limit
/// (a read that blocks on a FIFO) or allocates more than a memory limit (a read of /dev/zero). An exception
/// the code throws reaches the caller as itself.</summary>
public static class Bounded
{
    public static readonly TimeSpan DefaultTime = TimeSpan.FromSeconds(60);
    public const long DefaultBytes = 256L << 20;

    public static T Run<T>(Func<T> work, TimeSpan? time = null, long maxAllocatedBytes = DefaultBytes)
    {
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var result = work();
            return (result, allocated: GC.GetAllocatedBytesForCurrentThread() - before);
        });
        var limit = time ?? DefaultTime;
        bool finished;
        try { finished = task.Wait(limit); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }
        Assert.True(finished, $"did not finish within {limit.TotalSeconds:0} s (blocked on a read?)");
        Assert.True(task.Result.allocated <= maxAllocatedBytes,
            $"allocated {task.Result.allocated:N0} bytes, more than the {maxAllocatedBytes:N0} allowed");
        return task.Result.result;
    }
}
