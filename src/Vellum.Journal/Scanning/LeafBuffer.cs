namespace Vellum.Journal.Scanning;

/// <summary>
/// Collects a variable-length leaf's data as it arrives. Capacity grows with the bytes received
/// (doubling) and never beyond the declared length, so a hostile length allocates nothing until
/// its bytes exist, and a completed leaf's array is exactly its data.
/// </summary>
internal sealed class LeafBuffer
{
    private byte[] _bytes = [];
    private int _count;
    private int _length;

    public void Start(int length)
    {
        _bytes = [];
        _count = 0;
        _length = length;
    }

    public void Append(ReadOnlySpan<byte> piece)
    {
        if (piece.Length > _bytes.Length - _count)
            Array.Resize(ref _bytes, (int)Math.Min(_length, Math.Max((long)_count + piece.Length, 2L * _bytes.Length)));
        piece.CopyTo(_bytes.AsSpan(_count));
        _count += piece.Length;
    }

    /// <summary>The completed data; the buffer starts empty again.</summary>
    public byte[] Take()
    {
        var bytes = _bytes;
        _bytes = [];
        return bytes;
    }
}
