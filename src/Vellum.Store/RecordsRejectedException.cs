namespace Vellum.Store;

/// <summary>
/// Records offered to the store were refused before any of them was written: the one at
/// <see cref="Offset"/> in the offered run breaks the format, the transaction rules or (for
/// a replica) the segment layout, as <see cref="Problem"/> says.
/// </summary>
public sealed class RecordsRejectedException(string message, int offset, string problem) : ArgumentException(message)
{
    /// <summary>Byte offset of the refused record in the run that was offered.</summary>
    public int Offset { get; } = offset;

    /// <summary>"expected ..., found ...", without where.</summary>
    public string Problem { get; } = problem;
}
