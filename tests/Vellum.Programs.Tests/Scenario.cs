namespace Vellum.Programs.Tests;

/// <summary>
/// Steps that run real programs in a workspace and assert what they must give anywhere;
/// <paramref name="Skip"/> names the relative paths whose bytes legitimately differ between
/// places (a git index holds inode numbers, a venv's scripts hold its absolute path).
/// <paramref name="Existing"/>, when set, is a shell script that puts data in the place's
/// directory before the steps begin: in a mounted place it runs in the backing directory
/// before the mount, as data that was there before Vellum.
/// </summary>
internal sealed record Scenario(string Name, Action<Workspace> Steps, Func<string, bool>? Skip = null, string? Existing = null);
