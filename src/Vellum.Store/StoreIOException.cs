namespace Vellum.Store;

/// <summary>A system call on a store file failed: which call, which file, where, and the errno.</summary>
public class StoreIOException : IOException
{
    public StoreIOException(string message, int errno, string path)
        : base(message)
    {
        Errno = errno;
        Path = path;
    }

    public StoreIOException()
    {
        Path = "";
    }

    public StoreIOException(string message)
        : base(message)
    {
        Path = "";
    }

    public StoreIOException(string message, Exception inner)
        : base(message, inner)
    {
        Path = "";
    }

    public int Errno { get; }

    public string Path { get; }
}

/// <summary>
/// The disk (or quota) is full: the append that failed left nothing behind, everything
/// durable before it is intact, and appends work again once there is space.
/// </summary>
public sealed class StoreFullException : StoreIOException
{
    public StoreFullException(string message, int errno, string path)
        : base(message, errno, path)
    {
    }

    public StoreFullException()
    {
    }

    public StoreFullException(string message)
        : base(message)
    {
    }

    public StoreFullException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
