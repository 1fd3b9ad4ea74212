using System.Security.Cryptography;
using System.Text;
using Vellum.Native;
using Vellum.Recording.Binding;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// The journal of a mount given no --journal: the one the backing directory is bound to (its
/// mark names it), else one under the user's state directory named after the directory's real
/// path (symlinks resolved), so it is never inside BACKING or MOUNTPOINT unless those contain
/// the home directory (then the mount refuses and asks for --journal).
/// </summary>
internal static class DefaultJournal
{
    /// <summary>XDG_STATE_HOME's vellum/journals, else ~/.local/state's.</summary>
    public static string Directory => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
        "vellum", "journals");

    /// <param name="backing">The backing directory as a full path (not resolved).</param>
    public static string For(string backing)
    {
        var real = LibC.RealPath(backing) ?? backing;
        if (BackingMark.Read(real) is { Mark: var mark } && JournalBinding.Read(mark.Journal)?.JournalId == mark.JournalId)
            return mark.Journal;
        var named = Path.Combine(Directory, Name(real));
        // Before names were escaped, '_' stood for '/' and for itself, and symlinks were not
        // resolved: such a journal is still this directory's when it records this directory,
        // and its name may be the escaped name of another directory, which then takes the next.
        var earlier = new[] { real, backing }.Distinct().Select(path => Path.Combine(Directory, OldName(path)));
        foreach (var candidate in earlier.Prepend(named))
        {
            if (Records(candidate, real))
                return candidate;
        }
        for (var n = 2; ; n++)
        {
            if (!HoldsJournal(named) || Records(named, real))
                return named;
            named = Path.Combine(Directory, $"{Name(real)}%+{n}");
        }
    }

    /// <summary>
    /// The journal's name for a backing directory's real path: the path without its leading
    /// '/', each '/' as '_', and '_' and '%' escaped as %5F and %25, so that no two paths share
    /// a name ("/x/a_b" is x_a%5Fb, "/x/a/b" x_a_b); "/" is %2F. A name longer than a file name
    /// may be keeps its start and ends with %~ and a hash of the whole path. (A name taken by a
    /// journal of another directory, named before names were escaped, is followed by %+2, %+3...)
    /// </summary>
    public static string Name(string backing)
    {
        var path = backing.TrimStart('/');
        if (path.Length == 0)
            return "%2F";
        var name = new StringBuilder(path.Length);
        foreach (var c in path)
            name.Append(c switch { '/' => "_", '_' => "%5F", '%' => "%25", _ => c.ToString() });
        const int maxName = 255;
        if (Encoding.UTF8.GetByteCount(name.ToString()) <= maxName)
            return name.ToString();
        var hash = "%~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(backing)))[..32];
        var start = name.ToString();
        while (Encoding.UTF8.GetByteCount(start) + hash.Length > maxName)
            start = start[..^1];
        return start + hash;
    }

    private static string OldName(string backing)
    {
        var name = backing.Trim('/').Replace('/', '_');
        return name.Length == 0 ? "root" : name;
    }

    private static bool HoldsJournal(string directory) =>
        System.IO.Directory.Exists(directory)
        && (System.IO.Directory.EnumerateFiles(directory, "*.vseg").Any() || File.Exists(Path.Combine(directory, JournalBinding.FileName)));

    /// <summary>Whether the journal in <paramref name="journal"/> is the journal of <paramref name="backing"/>: by its binding, else by the path its header records.</summary>
    private static bool Records(string journal, string backing)
    {
        if (!HoldsJournal(journal))
            return false;
        var identity = BackingIdentity.At(backing);
        if (JournalBinding.Read(journal) is { } binding)
            return binding.Backing == identity;
        try
        {
            using var store = SegmentStore.OpenReadOnly(journal);
            return store.Header.MountRoot == backing || BackingIdentity.At(store.Header.MountRoot) == identity;
        }
        catch (Exception unreadable) when (unreadable is IOException or InvalidDataException or StoreDamagedException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
