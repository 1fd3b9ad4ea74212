using System.Security.Cryptography;
using System.Text;
using Vellum.Native;

namespace Vellum.FuseAdapter.Tests;

/// <summary>
/// What a directory tree holds, as text lines a test can compare: per entry its type, mode,
/// owner, size, link count, content digest, symlink target and xattrs. Times are left out
/// (two runs happen at different moments); the scenarios that set times check them directly.
/// </summary>
internal static class TreeSnapshot
{
    public static List<string> Of(string root)
    {
        var lines = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path);
            var info = new FileInfo(path);
            var status = Stat.Of(path);
            var line = new StringBuilder($"{relative} mode={Convert.ToString(status.Mode, 8)} uid={status.Uid} gid={status.Gid} nlink={status.Nlink}");
            if (info.LinkTarget is { } target)
                line.Append($" -> {target}");
            else if ((status.Mode & 0xF000) == 0x8000)
                line.Append($" size={status.Size} blocks>0={status.Blocks > 0} sha={Digest(path)}");
            var (error, names) = Sys.ListXattr(path);
            foreach (var name in error == 0 ? names : [])
                line.Append($" {name}={Convert.ToHexString(Sys.GetXattr(path, name).Value)}");
            lines.Add(line.ToString());
        }
        return lines;
    }

    private static string Digest(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        return Convert.ToHexString(SHA256.HashData(stream))[..16];
    }
}
