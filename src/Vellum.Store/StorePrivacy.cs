using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Store;

/// <summary>
/// A journal or store holds a copy of every byte of its tree, deleted bytes included, so only
/// its owner may read it: Vellum creates it owner-only (<see cref="OwnerOnly"/>) and refuses an
/// existing one that grants anyone else access (<see cref="SharedAccess"/>), with the command
/// that makes it private, unless <see cref="AllowOption"/> says that sharing it is intended.
/// </summary>
public static class StorePrivacy
{
    /// <summary>The option of mount, serve, log, mirror and repair that uses a shared journal or store as it is.</summary>
    public const string AllowOption = "--allow-shared-journal";

    /// <summary>
    /// For a command that writes into <paramref name="directory"/>: opens it as
    /// <see cref="OwnerOnly.OpenDirectory"/> does (created owner-only with its missing parents;
    /// an existing one must be a real directory of the effective user); one that holds nothing
    /// yet is made owner-only, one that holds something is checked.
    /// </summary>
    /// <param name="role">"the journal", "the store": how messages name it.</param>
    /// <param name="allowShared">Whether a shared one is used as it is (the caller warns with what the result lists).</param>
    /// <param name="exempt">Paths meant to be readable by others (a server certificate).</param>
    /// <returns>What is shared; empty when the directory is private.</returns>
    /// <exception cref="NotPrivateException">It is shared (and not allowed to be), a symlink, or another user's.</exception>
    public static SharedAccess PrepareForWriting(string directory, string role, bool allowShared, Func<string, bool>? exempt = null)
    {
        using (OpenPrivateDirectory(directory, role))
            return CheckForReading(directory, role, allowShared, exempt);
    }

    /// <summary>
    /// Opens <paramref name="directory"/> to write into (<see cref="OwnerOnly.OpenDirectory"/>),
    /// making an existing one that holds nothing yet as private as one it creates. Returns its
    /// descriptor, for creating files in it with <see cref="OwnerOnly.CreateFileAt"/>.
    /// </summary>
    internal static SafeFileHandle OpenPrivateDirectory(string directory, string role)
    {
        var handle = OwnerOnly.OpenDirectory(directory, role, out var created);
        try
        {
            if (!created && !System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
                OwnerOnly.MakePrivate(handle, directory);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>For a command that reads an existing journal or store: refused when shared, unless allowed.</summary>
    /// <exception cref="NotPrivateException">It is shared and <paramref name="allowShared"/> is false.</exception>
    public static SharedAccess CheckForReading(string directory, string role, bool allowShared, Func<string, bool>? exempt = null)
    {
        var shared = SharedAccess.Find(directory, exempt);
        if (shared.IsShared && !allowShared)
            throw shared.Refusal(role, AllowOption);
        return shared;
    }

    /// <summary>The warning a start with <see cref="AllowOption"/> gives while the directory is shared.</summary>
    public static string Warning(SharedAccess shared, string role) =>
        $"{role} {shared.Directory} is shared ({AllowOption}): other users may access it ({shared.Describe()}); it holds every byte of the tree it records, deleted ones included; '{shared.FixCommand}' makes it private";
}
