namespace Vellum.Fifo;

/// <summary>The FIFO's sink failed; nothing more can be appended or drained.</summary>
public sealed class FifoFailedException(string message, Exception? inner) : Exception(message, inner);
