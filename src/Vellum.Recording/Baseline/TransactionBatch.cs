using Vellum.Fifo;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Baseline operations grouped into transactions of a bounded size, so that no application
/// fsync waits behind one huge transaction and no reader needs a listing of a huge directory
/// in one piece (docs/journal-format.md 3.5).
/// </summary>
internal sealed class TransactionBatch(TransactionWriter writer)
{
    public const int MaxOperations = 512;
    public const long MaxBytes = 256 * 1024;

    private int _operations;
    private long _bytes;
    private bool _open;

    /// <summary>The FIFO position after the last transaction committed (0 before any).</summary>
    public ulong End { get; private set; }

    public void Add(in BaselineOperation operation)
    {
        var size = BaselineRecords.SizeOf(in operation);
        if (_open && (_operations >= MaxOperations || _bytes + size > MaxBytes))
            Commit();
        if (!_open)
        {
            writer.Begin(Math.Min(Math.Max(size, 4096), MaxBytes + BaselineRecords.Overhead));
            _open = true;
            _operations = 0;
            _bytes = 0;
        }
        BaselineRecords.Write(writer, in operation);
        _operations++;
        _bytes += size;
    }

    /// <summary>Ends the open transaction, if any.</summary>
    public void Commit()
    {
        if (!_open)
            return;
        _open = false;
        End = writer.Commit();
    }
}
