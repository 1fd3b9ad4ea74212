using System.Text;

namespace Vellum.TimeTravel;

/// <summary>
/// One line of `vellum diff`: a path created (A), deleted (D) or renamed (R, from
/// <see cref="OldPath"/>) between two moments, and whether the object's content (M) or metadata
/// (m) differs. <see cref="Type"/>: file, directory, symlink, device, fifo or socket. Paths are relative to the tree's root, one char per journal byte (Latin-1), so
/// names that are not UTF-8 stay exact; <see cref="Shown"/> gives them as text.
/// </summary>
public sealed record TreeChange(TreeChangeKind Kind, string Path, string? OldPath, bool Content, bool Metadata, string Type)
{
    /// <summary>The letters: A, D, or R / nothing followed by M (content) and m (metadata): "R", "RM", "M", "Mm", "m".</summary>
    public string Code => Kind switch
    {
        TreeChangeKind.Created => "A",
        TreeChangeKind.Deleted => "D",
        _ => (Kind == TreeChangeKind.Renamed ? "R" : "") + (Content ? "M" : "") + (Metadata ? "m" : ""),
    };

    /// <summary>A journal path (one char per byte) as text: its bytes read as UTF-8.</summary>
    public static string Shown(string path) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(path));
}
