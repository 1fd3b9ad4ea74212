using System.Text;
using Vellum.Journal.Operations;

namespace Vellum.TimeTravel;

/// <summary>What the in-memory replays of a journal's metadata (`diff`, `undo`) share: xattr changes.</summary>
internal static class JournalNames
{
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
