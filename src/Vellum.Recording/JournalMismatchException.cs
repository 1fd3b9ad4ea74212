namespace Vellum.Recording;

/// <summary>
/// The journal directory holds a journal that does not go with this mount: it records another
/// backing directory, or was made with the other --reversible setting. Nothing was changed.
/// </summary>
public sealed class JournalMismatchException(string message) : InvalidOperationException(message);
