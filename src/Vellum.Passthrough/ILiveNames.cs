namespace Vellum.Passthrough;

/// <summary>Finds a current name of a node whose descriptor was opened through a name since unlinked.</summary>
public interface ILiveNames
{
    /// <summary>
    /// Writes an absolute backing path that names <paramref name="node"/> now into
    /// <paramref name="buffer"/> (at least <see cref="BackingInspection.PathBufferSize"/> bytes
    /// plus a name); false when none of the names it was reached by still does.
    /// </summary>
    bool TryLiveName(ulong node, Span<byte> buffer, out int length);
}
