using System.Globalization;

namespace Vellum.Native;

/// <summary>
/// What in a directory tree lets users other than its owner in: mode bits for group or others
/// (anything in 0077), an access ACL with named user or group entries, a default ACL on a
/// directory (what is created there would inherit it). Found by a walk that never follows a
/// symlink; with the command that takes the access away again.
/// </summary>
public sealed class SharedAccess
{
    /// <summary>The mode bits of group and others.</summary>
    public const uint GroupAndOtherBits = 0x3F;

    private SharedAccess(string directory, IReadOnlyList<SharedEntry> entries)
    {
        Directory = directory;
        Entries = entries;
    }

    /// <summary>The directory walked.</summary>
    public string Directory { get; }

    /// <summary>Every directory and file that grants access to others, the directory itself first.</summary>
    public IReadOnlyList<SharedEntry> Entries { get; }

    public bool IsShared => Entries.Count > 0;

    /// <summary>
    /// Walks <paramref name="directory"/> and everything below it (symlinks are not followed,
    /// nor counted: their own mode means nothing).
    /// </summary>
    /// <param name="exempt">Paths meant to be readable by others (a certificate), left out.</param>
    /// <exception cref="SystemCallException">The directory cannot be examined.</exception>
    public static SharedAccess Find(string directory, Func<string, bool>? exempt = null)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var entries = new List<SharedEntry>();
        // The directory itself is followed if it is a symlink: its target is what is examined.
        if (!Examine(directory, isDirectory: true, entries, followSymlink: true))
            throw new SystemCallException("stat", directory, Errno.ENOENT);
        Walk(directory, exempt, entries);
        return new SharedAccess(directory, entries);
    }

    /// <summary>What is shared, in words: "mode 755; 3 files of mode 644, such as /x/j/a.vseg; an ACL on /x/j/b (user nobody: r--)".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Entries.FirstOrDefault(entry => entry.Path == Directory && entry.Mode is { } mode) is { Mode: { } own })
            parts.Add($"mode {Octal(own)}");
        foreach (var group in Entries.Where(entry => entry.Path != Directory && entry.Mode is not null).GroupBy(entry => (entry.IsDirectory, entry.Mode)))
        {
            var count = group.Count();
            var kind = group.Key.IsDirectory ? "director" + (count == 1 ? "y" : "ies") : "file" + (count == 1 ? "" : "s");
            parts.Add(count == 1
                ? $"{group.First().Path} mode {Octal(group.Key.Mode!.Value)}"
                : $"{count} {kind} of mode {Octal(group.Key.Mode!.Value)}, such as {group.First().Path}");
        }
        var acls = Entries.Where(entry => entry.Acl is not null).ToList();
        if (acls.Count > 0)
            parts.Add($"an ACL on {acls[0].Path} ({acls[0].Acl})" + (acls.Count > 1 ? $" and on {acls.Count - 1} more" : ""));
        return string.Join("; ", parts);
    }

    /// <summary>The one command that makes the tree private again: chmod, setfacl or both.</summary>
    public string FixCommand
    {
        get
        {
            var modes = Entries.Where(entry => entry.Mode is not null).ToList();
            var commands = new List<string>();
            // The ACLs go first: removing them leaves the owning group's entry as the group bits, which chmod then clears.
            if (Entries.Any(entry => entry.Acl is not null))
                commands.Add($"setfacl -R -b {Quoted(Directory)}");
            if (modes.Count == 1 && modes[0].Path == Directory)
                commands.Add($"chmod 700 {Quoted(Directory)}");
            else if (modes.Count > 0)
                commands.Add($"chmod -R go= {Quoted(Directory)}");
            return string.Join(" && ", commands);
        }
    }

    /// <summary>
    /// The refusal of a shared tree: "the journal /x/j is not private: other users may access
    /// it (mode 755); run: chmod 700 /x/j (or give --allow-shared-journal to use it shared)".
    /// </summary>
    public NotPrivateException Refusal(string role, string allowOption) => new(Directory,
        $"{role} {Directory} is not private: other users may access it ({Describe()}); run: {FixCommand} (or give {allowOption} to use it shared)");

    /// <remarks>
    /// A running mount or serve changes the tree while the walk goes (a temporary renamed into
    /// place, a segment retired): what vanished meanwhile shares nothing and is passed over.
    /// </remarks>
    private static void Walk(string directory, Func<string, bool>? exempt, List<SharedEntry> entries)
    {
        IEnumerable<FileSystemInfo> children;
        try
        {
            children = new DirectoryInfo(directory).EnumerateFileSystemInfos().ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        foreach (var info in children)
        {
            if (exempt?.Invoke(info.FullName) == true)
                continue;
            var isDirectory = info is DirectoryInfo;
            if (Examine(info.FullName, isDirectory, entries) && isDirectory)
                Walk(info.FullName, exempt, entries);
        }
    }

    /// <summary>Adds <paramref name="path"/> to <paramref name="entries"/> if it is shared; false when it does not exist (any more), or is a symlink (whose own mode means nothing).</summary>
    private static unsafe bool Examine(string path, bool isDirectory, List<SharedEntry> entries, bool followSymlink = false)
    {
        StatxBuffer stat;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, followSymlink ? 0 : LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
        {
            if (LibC.LastError() == Errno.ENOENT)
                return false;
            throw SystemCallException.Last("stat", path);
        }
        if ((stat.Mode & LibCConstants.SIfMt) == LibCConstants.SIfLnk)
            return false;
        var mode = stat.Mode & LibCConstants.PermissionBits;
        var acl = NamedAclEntries(path, PosixAcl.AccessXattr) is { } access ? access
            : isDirectory && HasXattr(path, PosixAcl.DefaultXattr) ? "a default ACL, inherited by what is created in it"
            : null;
        if ((mode & GroupAndOtherBits) != 0 || acl is not null)
            entries.Add(new SharedEntry(path, isDirectory, (mode & GroupAndOtherBits) != 0 ? mode : null, acl));
        return true;
    }

    /// <summary>The named entries of the ACL in <paramref name="xattr"/> as getfacl shows them, or null when it has none.</summary>
    private static string? NamedAclEntries(string path, string xattr)
    {
        var value = ReadXattr(path, xattr);
        if (value is null)
            return null;
        IReadOnlyList<PosixAcl.Entry> acl;
        try
        {
            acl = PosixAcl.Parse(value);
        }
        catch (InvalidDataException unreadable)
        {
            return $"an ACL Vellum cannot read: {unreadable.Message}";
        }
        var named = PosixAcl.NamedEntries(acl).Select(PosixAcl.Describe).ToList();
        return named.Count == 0 ? null : string.Join(", ", named);
    }

    private static bool HasXattr(string path, string xattr) => ReadXattr(path, xattr) is not null;

    private static byte[]? ReadXattr(string path, string xattr)
    {
        var buffer = new byte[4096];
        var length = LibC.GetXattr(path, xattr, buffer, followSymlink: true);
        if (length >= 0)
            return buffer[..(int)length];
        // ENOENT: removed since it was examined, so it shares nothing.
        return LibC.LastError() is Errno.ENODATA or Errno.EOPNOTSUPP or Errno.ENOENT ? null : throw SystemCallException.Last("getxattr " + xattr, path);
    }

    private static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(3, '0');

    /// <summary>The path as a shell word: quoted when it holds anything but plain characters.</summary>
    private static string Quoted(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+%:@,".Contains(c, StringComparison.Ordinal))
            ? path
            : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>A directory or file that grants others access: its mode (when its group or other bits do) and its ACL's grants (when it has any).</summary>
public readonly record struct SharedEntry(string Path, bool IsDirectory, uint? Mode, string? Acl)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path}: {(Mode is { } mode ? "mode " + Convert.ToString(mode, 8) : "")}{(Mode is not null && Acl is not null ? ", " : "")}{Acl}");
}
