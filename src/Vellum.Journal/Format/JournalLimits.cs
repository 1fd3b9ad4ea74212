namespace Vellum.Journal.Format;

/// <summary>Upper bounds on variable-length leaves, from the Linux limits they carry.</summary>
public static class JournalLimits
{
    /// <summary>TASK_COMM_LEN.</summary>
    public const int MaxCommLength = 16;

    /// <summary>
    /// PATH and PATH2 (format version 2): a path relative to the mount root has no length
    /// limit in Linux (a tree can be deeper than PATH_MAX), so this is a sane bound instead,
    /// 256 components of 4096 bytes.
    /// </summary>
    public const int MaxPathLength = 1024 * 1024;

    /// <summary>PATH and PATH2 in a version-1 journal: PATH_MAX.</summary>
    public const int Version1MaxPathLength = 4096;

    /// <summary>TARGET (a symlink's target) and LABEL: PATH_MAX.</summary>
    public const int MaxTargetLength = 4096;

    /// <summary>XATTR_NAME_MAX.</summary>
    public const int MaxXattrNameLength = 255;

    /// <summary>XATTR_SIZE_MAX.</summary>
    public const int MaxXattrValueLength = 65536;

    /// <summary>The largest data a leaf can carry: its u32 size field less the header.</summary>
    public const long MaxDataLength = uint.MaxValue - JournalFormat.SubRecordHeaderSize;

    /// <summary>Source host and mount root strings in the journal header.</summary>
    public const int MaxHeaderStringLength = 4096;
}
