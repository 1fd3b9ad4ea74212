using System.Text;
using Vellum.Journal.Operations;

namespace Vellum.TimeTravel;

/// <summary>What the in-memory replays of a journal's metadata (`diff`, `undo`) share: a path's names, and xattr changes.</summary>
internal static class JournalNames
{
    /// <summary>The names of a journal path (one char per byte), empty and "." components left out; none for the root.</summary>
    public static List<string> Components(ReadOnlySpan<byte> path)
    {
        var names = new List<string>();
        foreach (var range in path.Split((byte)'/'))
        {
            var name = path[range];
            if (name.Length > 0 && !(name.Length == 1 && name[0] == '.'))
                names.Add(Encoding.Latin1.GetString(name));
        }
        return names;
    }

    /// <summary>Sets (a value) or removes (none) each xattr; with <paramref name="exactly"/> the others are removed first.</summary>
    public static void ChangeXattrs(SortedDictionary<string, byte[]> xattrs, IEnumerable<ExtendedAttribute> changes, bool exactly)
    {
        if (exactly)
            xattrs.Clear();
        foreach (var xattr in changes)
        {
            var name = Encoding.Latin1.GetString(xattr.Name);
            if (xattr.Value is { } value)
                xattrs[name] = value;
            else
                xattrs.Remove(name);
        }
    }
}
