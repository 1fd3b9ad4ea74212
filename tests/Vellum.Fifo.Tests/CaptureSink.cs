using Vellum.Fifo;

namespace Vellum.Fifo.Tests;

/// <summary>
/// A sink that keeps every byte it is given; with <c>acknowledgesWhenTold</c> it stands for
/// a sink that acknowledges when durable, the test deciding when that is (<see cref="MemoryFifo.Acknowledge"/>).
/// </summary>
internal sealed class CaptureSink(bool acknowledgesWhenTold = false) : IJournalSink
{
    private readonly MemoryStream _bytes = new();
    private readonly List<(int Length, ulong EndPosition)> _writes = [];
    private readonly List<(long BytesWritten, string? Thread)> _flushes = [];

    public bool AcknowledgesWhenDurable => acknowledgesWhenTold;

    /// <summary>Thrown from the next write, to stand for a failed disk or link.</summary>
    public Exception? FailWith { get; set; }

    public void Write(ReadOnlySpan<byte> records, ulong endPosition)
    {
        if (FailWith is { } failure)
            throw failure;
        lock (_bytes)
        {
            _bytes.Write(records);
            _writes.Add((records.Length, endPosition));
        }
    }

    /// <summary>Thrown from the next flush.</summary>
    public Exception? FailFlushWith { get; set; }

    /// <summary>Each flush: the bytes written before it and the thread that made it.</summary>
    public IReadOnlyList<(long BytesWritten, string? Thread)> Flushes
    {
        get
        {
            lock (_bytes)
                return [.. _flushes];
        }
    }

    public void Flush()
    {
        if (FailFlushWith is { } failure)
            throw failure;
        lock (_bytes)
            _flushes.Add((_bytes.Length, Thread.CurrentThread.Name));
    }

    public byte[] Bytes
    {
        get
        {
            lock (_bytes)
                return _bytes.ToArray();
        }
    }

    public IReadOnlyList<(int Length, ulong EndPosition)> Writes
    {
        get
        {
            lock (_bytes)
                return [.. _writes];
        }
    }
}
