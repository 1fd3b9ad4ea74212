namespace Vellum.Passthrough;

/// <summary>
/// A Linux errno value, the result of every operation: <see cref="Success"/> (0) or the
/// error the backing syscall gave, unchanged. Only the values the passthrough names itself
/// are listed; any other errno passes through as its number.
/// </summary>
public enum Errno
{
    Success = 0,
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EACCES = 13,
    EEXIST = 17,
    EXDEV = 18,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENODATA = 61,
    EOPNOTSUPP = 95,
    ESTALE = 116,
}
