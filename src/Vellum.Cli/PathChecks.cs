using Vellum.Native;

namespace Vellum.Cli;

/// <summary>
/// The checks a command makes of the paths it was given before it starts anything, so a
/// wrong path is reported as what it is ("is a file, not a directory", "the filesystem is
/// read-only") with the option that fixes it, instead of as whatever a layer below trips on.
/// </summary>
internal static class PathChecks
{
    /// <summary>A directory that must exist already (BACKING, a store to read).</summary>
    public static void ExistingDirectory(string path, string role, string wayOut)
    {
        if (Directory.Exists(path))
            return;
        if (File.Exists(path))
            throw CommandFailure.Environment($"{role} {path} is a file, not a directory; {wayOut}");
        throw CommandFailure.Environment($"{role} {path} does not exist; {wayOut}");
    }

    /// <summary>
    /// A directory the command writes into (a mirror, the demo's), created when missing with
    /// exactly <paramref name="mode"/> (missing parents 0755), whatever the umask; one that
    /// exists keeps its mode.
    /// </summary>
    public static void WritableDirectory(string path, string role, string wayOut, uint mode = ExactDirectory.Shared) =>
        Writable(path, role, wayOut, () => ExactDirectory.Create(path, mode));

    /// <summary>
    /// A directory of journal data the command writes into (a journal, a serve store): created
    /// owner-only with its missing parents, or a real directory of the user who runs the command.
    /// </summary>
    public static void PrivateDirectory(string path, string role, string wayOut)
    {
        try
        {
            Writable(path, role, wayOut, () => OwnerOnly.CreateDirectory(path, role));
        }
        catch (NotPrivateException refused)
        {
            throw CommandFailure.Environment(refused.Message);
        }
    }

    private static void Writable(string path, string role, string wayOut, Action create)
    {
        if (File.Exists(path))
            throw CommandFailure.Environment($"{role} {path} is a file, not a directory; {wayOut}");
        try
        {
            create();
            // Root writes through permission bits, not through a read-only mount: only a write tells.
            using var probe = new FileStream(Path.Combine(path, $".vellum-write-test-{Environment.ProcessId}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception error) when (SystemErrors.IsRefusal(error) && error is not NotPrivateException)
        {
            var missing = error is DirectoryNotFoundException or SystemCallException { Errno: Errno.ENOENT or Errno.ENOTDIR };
            throw CommandFailure.Environment($"{role} {path} cannot be written: {(missing ? Missing(path) : SystemErrors.Describe(error))}; {wayOut}");
        }
    }

    /// <summary>
    /// A replica to write: created 0700 (and probed) when missing, the mode a replica's root
    /// keeps until its journal gives it the source root's; an existing one is checked
    /// without writing into it, since a probe file would move its root's mtime, which is the
    /// replica's data, and another writer may be applying to it (the mirror's lock decides).
    /// </summary>
    public static unsafe void ReplicaDirectory(string path, string role, string wayOut)
    {
        if (!Directory.Exists(path))
        {
            WritableDirectory(path, role, wayOut, ExactDirectory.Private);
            return;
        }
        StatFsBuffer filesystem;
        if (LibC.StatFs(path, &filesystem) == 0 && (filesystem.Flags & ReadOnlyMount) != 0)
            throw CommandFailure.Environment($"{role} {path} cannot be written: the filesystem is read-only; {wayOut}");
    }

    /// <summary>ST_RDONLY of statfs(2)'s f_flags.</summary>
    private const long ReadOnlyMount = 1;

    /// <summary>Why a directory could not be created although it does not exist: the nearest part of its path that does is a file, or none is a place to create in.</summary>
    private static string Missing(string path)
    {
        for (var parent = Path.GetDirectoryName(path); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
                return $"{parent} is a file, not a directory";
            if (Directory.Exists(parent))
                break;
        }
        return "it cannot be created there";
    }

    /// <summary>A file that must exist and be readable (a secrets file, a certificate).</summary>
    public static void ReadableFile(string path, string role, string wayOut)
    {
        if (Directory.Exists(path))
            throw CommandFailure.Environment($"{role} {path} is a directory, not a file; {wayOut}");
        if (!File.Exists(path))
            throw CommandFailure.Environment($"{role} {path}: no such file; {wayOut}");
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception error) when (SystemErrors.IsRefusal(error))
        {
            throw CommandFailure.Environment($"{role} {path} cannot be read: {SystemErrors.Describe(error)}; {wayOut}");
        }
    }

    public static bool IsInside(string path, string directory) =>
        path == directory || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);
}
