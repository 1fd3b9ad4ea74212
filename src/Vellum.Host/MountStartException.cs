namespace Vellum.Host;

/// <summary>A mount could not start, said in words: which object, what is wrong with it. Nothing of it was left mounted.</summary>
public sealed class MountStartException : Exception
{
    public MountStartException()
    {
    }

    public MountStartException(string message)
        : base(message)
    {
    }

    public MountStartException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
