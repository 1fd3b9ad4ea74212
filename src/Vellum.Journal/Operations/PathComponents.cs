using System.Text;

namespace Vellum.Journal.Operations;

/// <summary>
/// The names of a journal path (PATH, PATH2: bytes relative to the tree's root), as the
/// metadata replays (catalog, diff, undo, restore's plan) walk them: one string per name, one
/// char per byte (Latin-1), so that names that are not UTF-8 stay exact.
/// </summary>
public static class PathComponents
{
    /// <summary>The names of <paramref name="path"/>, empty and "." components left out; none for the root.</summary>
    public static List<string> Of(ReadOnlySpan<byte> path)
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
}
