namespace Vellum.Programs.Tests;

/// <summary>tar, rsync and cp -a copy a tree with xattrs, hard links, a symlink, a fifo and holes, times kept.</summary>
public sealed class ArchiveTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Tar_with_xattrs_round_trips_a_tree(Place place) => Scenarios.Check(place, Tar, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Rsync_round_trips_a_tree_and_then_finds_nothing_to_do(Place place) => Scenarios.Check(place, Rsync, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Cp_archive_copies_a_tree_with_xattrs_and_hard_links(Place place) => Scenarios.Check(place, CpArchive, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Compressors_zip_and_patch_replace_files_keeping_modes_and_times(Place place) => Scenarios.Check(place, Compressors, plainRuns);

    /// <summary>A pax archive holds ctimes: its bytes differ between places, its listing and what it extracts do not.</summary>
    private static readonly Scenario Tar = new(nameof(Tar), workspace =>
    {
        workspace.Sh(Shell.MakeTree + """
            make_tree tree
            tar --xattrs --format=posix --sort=name -cf tree.tar -C tree .
            tar --sort=name -czf tree.tgz -C tree sub
            mkdir out zout
            tar --xattrs --xattrs-include='*' -xpf tree.tar -C out
            tar -xzf tree.tgz -C zout
            tar --xattrs -df tree.tar -C out
            tar -tvf tree.tar --full-time
            getfattr -d out/a.txt out/sub/numbers
            stat -c '%n %h %a %s %Y' out/a.txt out/sub/a-hardlink out/sub/numbers zout/sub/numbers
            cmp tree/sub/deeper/text zout/sub/deeper/text
            """);
    }, Skip: path => path.EndsWith(".tar", StringComparison.Ordinal) || path.EndsWith(".tgz", StringComparison.Ordinal));

    /// <summary>Every change is given a set time, so what rsync itemizes does not depend on the clock.</summary>
    private static readonly Scenario Rsync = new(nameof(Rsync), workspace =>
    {
        workspace.Sh(Shell.MakeTree + """
            make_tree tree
            rsync -aHXS tree/ copy/
            rsync -aHXS --itemize-changes tree/ copy/
            printf 'beta\n' >> tree/a.txt
            touch -d '2002-01-01 00:00:00.75' tree/a.txt tree/sub
            rm tree/sub/deeper/text
            rsync -aHXS --delete --itemize-changes tree/ copy/
            rsync -aHXS --delete copy/ back/
            printf 'gamma\n' >> copy/sub/numbers
            touch -d '2002-01-01 00:00:00.5' copy/sub/numbers
            rsync -aHXS --inplace --itemize-changes copy/ back/
            printf 'delta\n' >> copy/sub/numbers
            touch -d '2003-01-01 00:00:00.25' copy/sub/numbers
            rsync -aHXS --append-verify --itemize-changes copy/ back/
            cmp copy/sub/numbers back/sub/numbers
            rsync -aHXS --delete back/ copy/
            rsync -aHXSn --delete --itemize-changes tree/ back/
            getfattr -d back/a.txt
            stat -c '%n %h %a %s' back/a.txt back/sub/a-hardlink back/sub/numbers back/sparse
            """);
    });

    private static readonly Scenario CpArchive = new(nameof(CpArchive), workspace =>
    {
        workspace.Sh(Shell.MakeTree + """
            make_tree tree
            cp -a tree copy
            getfattr -d copy/a.txt copy/sub/numbers
            [ "$(stat -c %i copy/a.txt)" = "$(stat -c %i copy/sub/a-hardlink)" ] && echo 'one inode, two names'
            stat -c '%n %F %a %s %Y' copy/a.txt copy/sub/fifo copy/sub/a-symlink copy/sparse copy/sub/deeper
            cmp tree/sparse copy/sparse
            du -k copy/sparse | cut -f1
            """);
    });

    /// <summary>
    /// gzip, bzip2, xz and zstd write a new file, give it the original's mode and times, and
    /// remove the original; zip and unzip keep times; patch rewrites a file beside its backup.
    /// </summary>
    private static readonly Scenario Compressors = new(nameof(Compressors), workspace =>
    {
        workspace.Sh($$"""
            seq 1 50000 > numbers
            chmod 604 numbers
            touch -d '{{Shell.PastTime}}' numbers
            cp -p numbers numbers.orig
            gzip -9 numbers
            stat -c '%n %a %Y' numbers.gz
            gunzip numbers.gz
            bzip2 -k numbers && xz -k numbers && zstd -q -k numbers
            bunzip2 -c numbers.bz2 | cmp - numbers
            unxz -c numbers.xz | cmp - numbers
            zstd -q -d -c numbers.zst | cmp - numbers
            zstd -q -d -f numbers.zst -o unzstd && cmp unzstd numbers
            stat -c '%n %a %Y' numbers numbers.bz2 numbers.xz numbers.zst
            mkdir tree && cp -p numbers tree/ && printf 'readme\n' > tree/README && touch -d '{{Shell.PastTime}}' tree/README tree
            zip -q -X -r tree.zip tree
            mkdir unzipped && cd unzipped && unzip -q ../tree.zip && cd ..
            cmp tree/numbers unzipped/tree/numbers
            stat -c '%n %Y' unzipped/tree/numbers unzipped/tree/README
            sed 's/^1000$/one thousand/' numbers > numbers.new
            diff -u --label numbers --label numbers numbers numbers.new > change.patch || true
            patch -b -s numbers < change.patch
            cmp numbers numbers.new
            grep -c 'one thousand' numbers
            ls
            """);
    }, Skip: path => path.EndsWith(".zip", StringComparison.Ordinal));
}
