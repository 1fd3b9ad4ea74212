using Vellum.Native;

namespace Vellum.Passthrough;

/// <summary>
/// The one place every modifying operation of <see cref="PassthroughFileSystem"/> passes
/// through: the seam where the journal attaches. Reads, lookups, opens without O_TRUNC,
/// flush and release are not changes and are not reported.
/// </summary>
/// <remarks>
/// Contract, for each change:
/// <list type="number">
/// <item><see cref="Before"/> runs once, before the syscall, with the backing state still
/// untouched, so the recorder may capture prior state (old data, attributes, a victim's
/// contents) through the descriptors in the <see cref="Change"/>.</item>
/// <item>The syscall runs; then <see cref="After"/> runs once with the same change and its
/// <see cref="ChangeOutcome"/>, also when the syscall failed (the errno is in the outcome).</item>
/// <item>Both run on the calling thread with the change lock of the affected node held from
/// before <see cref="Before"/> until <see cref="After"/> returns: the changed node for
/// content, attribute, xattr, sync and truncate changes; the parent directory for
/// entry changes (both parents for a rename, the new parent and the node for a link; destination and source for copy_file_range). So
/// changes to one file, or to the entries of one directory, reach the recorder in exactly
/// the order they took effect on the backing directory, and a recorder may keep the state
/// captured in <see cref="Before"/> in a thread-local for its <see cref="After"/>.</item>
/// <item>Calls must be short and must not call back into the file system (the lock is not
/// reentrant across nodes). An exception from <see cref="Before"/> cancels the change and
/// reaches the caller; an exception from <see cref="After"/> reaches the caller after the
/// change took effect, with the lock released.</item>
/// </list>
/// Without a recorder no change locks are taken and concurrent writes run in parallel.
/// </remarks>
public interface IChangeRecorder
{
    /// <summary>
    /// Returns <see cref="Errno.Success"/> to let the change run, or the errno the caller
    /// gets instead, with the backing state untouched and no <see cref="After"/> (a journal
    /// with no room refuses with ENOSPC).
    /// </summary>
    Errno Before(in Change change);

    /// <summary>
    /// Returns <see cref="Errno.Success"/>, or, for a change that asked to be durable (an
    /// fsync, a write through an O_SYNC or O_DSYNC descriptor) and took effect, the errno
    /// the caller gets because it could not be made durable. Other changes must return
    /// <see cref="Errno.Success"/>: their callers may already hold what the change created.
    /// </summary>
    Errno After(in Change change, in ChangeOutcome outcome);

    /// <summary>
    /// Asked for an fsync or fdatasync of a file after <see cref="Before"/> let it run: true
    /// when the recorder itself makes the file's changes durable (a journal that holds them
    /// and redoes them on the backing file after a power cut), so the backing file's own sync
    /// is skipped. The default, false, syncs the backing file.
    /// </summary>
    bool CoversSync(in Change change) => false;
}
