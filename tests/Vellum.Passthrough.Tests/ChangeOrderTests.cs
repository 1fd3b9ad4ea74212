using System.Text;
using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class ChangeOrderTests
{
    [Fact]
    public async Task Concurrent_writes_to_one_file_reach_the_recorder_one_at_a_time_in_file_order()
    {
        var recorder = new ExclusiveRecorder();
        using var b = new Backing(recorder);
        b.CreateFile(PassthroughFileSystem.RootId, "f", out var handle);

        var writers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                var data = Encoding.ASCII.GetBytes($"{t}:{i:D4}");
                Assert.Equal(Errno.Success, b.Fs.Write(Backing.Root0, handle, data, 0, out _));
            }
        }));
        await Task.WhenAll(writers);

        Assert.Equal(0, recorder.Overlaps);
        Assert.Equal(601, recorder.Data.Count);
        Assert.Equal(recorder.Data[^1], File.ReadAllText(b.At("f")));
    }

    /// <summary>Counts changes whose Before..After span overlapped another's, and logs written data in After order.</summary>
    private sealed class ExclusiveRecorder : IChangeRecorder
    {
        private int _inside;

        public int Overlaps { get; private set; }

        public List<string> Data { get; } = [];

        public Errno Before(in Change change)
        {
            if (Interlocked.Increment(ref _inside) != 1)
            {
                Overlaps++;
            }
            return Errno.Success;
        }

        public Errno After(in Change change, in ChangeOutcome outcome)
        {
            Data.Add(Encoding.ASCII.GetString(change.Data));
            Interlocked.Decrement(ref _inside);
            return Errno.Success;
        }
    }
}
