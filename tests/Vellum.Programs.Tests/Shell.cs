namespace Vellum.Programs.Tests;

/// <summary>Shell functions several scenarios begin with.</summary>
internal static class Shell
{
    /// <summary>A past instant no clock gives: times set to it were set by a program.</summary>
    public const string PastTime = "2001-02-03 04:05:06.123456789";

    /// <summary>
    /// `make_tree DIR`: files, a subdirectory, a hard link, a symlink, a fifo, an xattr, a
    /// sparse file and a restricted mode, every time (mtime and atime) set to <see cref="PastTime"/>.
    /// </summary>
    public const string MakeTree = $$"""
        make_tree() {
            mkdir -p "$1/sub/deeper"
            printf 'alpha\n' > "$1/a.txt"
            seq 1 20000 > "$1/sub/numbers"
            yes 'a line of text for the archive' | head -c 300000 > "$1/sub/deeper/text"
            ln "$1/a.txt" "$1/sub/a-hardlink"
            ln -s ../a.txt "$1/sub/a-symlink"
            mkfifo "$1/sub/fifo"
            setfattr -n user.colour -v blue "$1/a.txt"
            setfattr -n user.empty "$1/sub/numbers"
            chmod 640 "$1/sub/numbers"
            chmod 750 "$1/sub/deeper"
            truncate -s 1M "$1/sparse"
            printf 'middle' | dd of="$1/sparse" bs=1 seek=500000 conv=notrunc status=none
            find "$1" -depth -exec touch -h -d '{{PastTime}}' {} +
        }

        """;
}
