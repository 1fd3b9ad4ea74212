namespace Vellum.Native;

/// <summary>
/// A directory or file that holds what Vellum keeps private (journal data, metadata, keys) is
/// not private: another user owns it, it is a symbolic link where a real file or directory
/// must be, or its modes or ACLs let other users in. The message names the path, what is
/// wrong and the command that sets it right.
/// </summary>
public sealed class NotPrivateException : IOException
{
    public NotPrivateException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    public NotPrivateException()
    {
        Path = "";
    }

    public NotPrivateException(string message)
        : base(message)
    {
        Path = "";
    }

    public NotPrivateException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "";
    }

    /// <summary>The directory or file at fault.</summary>
    public string Path { get; }
}
