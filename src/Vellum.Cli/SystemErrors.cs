using Vellum.Native;

namespace Vellum.Cli;

/// <summary>
/// The words for what the system refused, from the exception .NET made of the errno: the
/// CLI names the object and the way out itself, so a line reads "OBJECT: PROBLEM; WAY OUT"
/// rather than .NET's "Read-only file system : 'PATH'".
/// </summary>
internal static class SystemErrors
{
    // On Linux .NET keeps the errno of an IOException it has no own type for in HResult.
    /// <summary>The HResult .NET gives "The file 'PATH' already exists." (Windows' ERROR_FILE_EXISTS, on every platform).</summary>
    private const int FileExists = unchecked((int)0x80070050);

    /// <summary>The problem in words, without the path.</summary>
    public static string Describe(Exception error) => Words(error) ?? error.Message.TrimEnd('.');

    /// <summary>
    /// A refusal no check before caught, as "PATH: PROBLEM": .NET names the path in its
    /// messages in quotes ("Read-only file system : 'PATH'", "Access to the path 'PATH' is denied.").
    /// </summary>
    public static string Sentence(Exception error)
    {
        var message = error.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        if (Words(error) is not { } words || start < 0 || end <= start + 1)
            return message.TrimEnd('.');
        return $"{message[(start + 1)..end]}: {words}";
    }

    /// <summary>The exceptions a file system call makes of a refusal (not of a bug).</summary>
    public static bool IsRefusal(Exception error) => error is IOException or UnauthorizedAccessException;

    private static string? Words(Exception error) => error switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or FileNotFoundException => "it does not exist",
        PathTooLongException => "the path is too long",
        SystemCallException { Errno: Errno.EACCES or Errno.EPERM } => "permission denied",
        SystemCallException call => Words(call.Errno),
        IOException { HResult: FileExists } => "a file of that name is in the way",
        IOException { HResult: > 0 and var errno } => Words((Errno)errno),
        _ => null,
    };

    private static string? Words(Errno errno) => errno switch
    {
        Errno.EROFS => "the filesystem is read-only",
        Errno.ENOSPC => "no space is left on its device",
        Errno.ENOTDIR => "a part of the path is a file, not a directory",
        Errno.EISDIR => "it is a directory, not a file",
        Errno.EEXIST => "a file of that name is in the way",
        _ => null,
    };
}
