namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// One path a rollback changes, with a diff's letter: A (it existed at the moment and is made
/// again), D (it did not exist then and is removed), M (its content, type or hard links are put
/// back), m (only its mode, owner, times or xattrs are). The root of what is rolled back is ".".
/// </summary>
public sealed record RollbackChange(char Code, string Path)
{
    public static RollbackChange Of(char code, string relative) => new(code, relative.Length == 0 ? "." : relative);

    public override string ToString() => $"{Code} {Path}";
}
