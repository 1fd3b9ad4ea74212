namespace Vellum.Store;

/// <summary>
/// The store holds damage that recovery must not cut away (a bad record with valid ones
/// after it, a missing segment, a sealed segment without its checkpoint): a person decides.
/// The store still opens read-only, serving everything before <see cref="Position"/>.
/// </summary>
public sealed class StoreDamagedException : IOException
{
    public StoreDamagedException(string message, string file, long offset, long position)
        : base(message)
    {
        File = file;
        Offset = offset;
        Position = position;
    }

    public StoreDamagedException()
    {
        File = "";
    }

    public StoreDamagedException(string message)
        : base(message)
    {
        File = "";
    }

    public StoreDamagedException(string message, Exception inner)
        : base(message, inner)
    {
        File = "";
    }

    /// <summary>The segment file holding the damage.</summary>
    public string File { get; }

    /// <summary>Byte offset of the damage in <see cref="File"/>.</summary>
    public long Offset { get; }

    /// <summary>Store position of the damage: everything before it is readable.</summary>
    public long Position { get; }
}
