namespace Vellum.Recording.Binding;

/// <summary>
/// The backing directory or the journal is in use by a mount that is running: one directory
/// takes one mount, and one journal one mount, at a time. The message names that mount.
/// </summary>
public sealed class MountInUseException : Exception
{
    public MountInUseException()
    {
    }

    public MountInUseException(string message)
        : base(message)
    {
    }

    public MountInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
