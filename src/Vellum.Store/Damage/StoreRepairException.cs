namespace Vellum.Store;

/// <summary>A repair that was refused or could not be made: nothing on disk was changed by it.</summary>
public sealed class StoreRepairException : IOException
{
    public StoreRepairException()
    {
    }

    public StoreRepairException(string message)
        : base(message)
    {
    }

    public StoreRepairException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The copy offered is of another journal (or another history of it): nothing it holds can go into this store.</summary>
    public bool OtherJournal { get; init; }
}
