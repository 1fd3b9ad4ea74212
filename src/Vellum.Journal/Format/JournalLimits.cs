namespace Vellum.Journal.Format;

/// <summary>Upper bounds on variable-length leaves, from the Linux limits they carry.</summary>
public static class JournalLimits
{
    /// <summary>TASK_COMM_LEN.</summary>
    public const int MaxCommLength = 16;

    /// <summary>PATH_MAX.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>XATTR_NAME_MAX.</summary>
    public const int MaxXattrNameLength = 255;

    /// <summary>XATTR_SIZE_MAX.</summary>
    public const int MaxXattrValueLength = 65536;

    /// <summary>The largest data a leaf can carry: its u32 size field less the header.</summary>
    public const long MaxDataLength = uint.MaxValue - JournalFormat.SubRecordHeaderSize;

    /// <summary>Source host and mount root strings in the journal header.</summary>
    public const int MaxHeaderStringLength = 4096;
}
