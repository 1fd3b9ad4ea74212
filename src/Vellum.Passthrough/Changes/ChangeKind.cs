namespace Vellum.Passthrough;

/// <summary>What a <see cref="Change"/> does to the backing directory.</summary>
public enum ChangeKind
{
    /// <summary>A regular file created by create (open with O_CREAT).</summary>
    Create,
    Mkdir,
    Mknod,
    Symlink,
    Link,
    Unlink,
    Rmdir,
    Rename,
    Write,

    /// <summary>An open with O_TRUNC, which empties an existing file.</summary>
    Truncate,
    SetAttr,
    SetXattr,
    RemoveXattr,
    Fallocate,
    CopyFileRange,
    Fsync,
    FsyncDir,
}
