using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Catalog;

/// <summary>
/// STORE/catalog.lock: an exclusive flock(2) held while a process reads or updates the
/// catalog, so two readers never build it at once. Only the catalog's users take it: a mount or
/// `vellum serve` writing the store never waits for it. The kernel drops it with the process.
/// </summary>
internal static class CatalogLock
{
    public const string FileName = "catalog.lock";

    /// <summary>The held lock, or null when the store directory cannot hold the catalog's files (not ours, read-only, no permission).</summary>
    public static SafeFileHandle? TryTake(string storeDirectory, out string? why)
    {
        why = null;
        var path = Path.Combine(storeDirectory, FileName);
        SafeFileHandle handle;
        try
        {
            handle = File.Exists(path) ? OwnerOnly.OpenFile(path, LibCConstants.ORdWr) : OwnerOnly.CreateFile(path);
        }
        catch (SystemCallException error) when (error.Errno is Errno.EACCES or Errno.EROFS or Errno.EPERM or Errno.EEXIST)
        {
            why = error.Message;
            return null;
        }
        catch (NotPrivateException error)
        {
            why = error.Message;
            return null;
        }
        using (var lease = LibC.Borrow(handle))
        {
            if (LibC.Flock(lease.Fd, LibCConstants.LockExclusive) != 0)
            {
                var error = SystemCallException.Last("flock", path);
                handle.Dispose();
                throw error;
            }
        }
        return handle;
    }
}
