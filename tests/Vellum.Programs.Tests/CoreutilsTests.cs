namespace Vellum.Programs.Tests;

/// <summary>What users do with coreutils and friends: sort that spills, dd, sparse copies, find, du, links, modes, times.</summary>
public sealed class CoreutilsTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sort_spills_temporary_files_into_the_directory_and_sorts_megabytes(Place place) => Scenarios.Check(place, SortSpill, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Dd_copies_with_fsync_fdatasync_and_sync_writes(Place place) => Scenarios.Check(place, DdSync, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void A_big_file_copies_by_copy_file_range_sendfile_and_read_write_alike(Place place) => Scenarios.Check(place, BigCopies, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Dd_reads_and_writes_with_o_direct(Place place) => Scenarios.Check(place, DdDirect, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sparse_cp_keeps_the_holes_and_a_punched_hole_stays_a_hole(Place place) => Scenarios.Check(place, SparseCopy, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Find_du_ln_chmod_chown_and_touch_work_on_a_tree(Place place) => Scenarios.Check(place, TreeTools, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void A_tree_deeper_than_path_max_is_made_archived_renamed_and_removed(Place place) => Scenarios.Check(place, DeepTree, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Odd_names_sockets_device_nodes_setgid_directories_and_the_umask_work(Place place) => Scenarios.Check(place, NamesAndNodes, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Four_parallel_jobs_make_compress_and_remove_hundreds_of_files(Place place) => Scenarios.Check(place, ParallelJobs, plainRuns);

    private static readonly Scenario SortSpill = new(nameof(SortSpill), workspace =>
    {
        workspace.Sh("""
            python3 -c 'import random; r = random.Random(7); print("\n".join("%.12f %d" % (r.random(), i) for i in range(250000)))' > unsorted
            mkdir spill
            sort -S 1M -T spill --parallel=1 unsorted > sorted
            sort -c sorted
            ls -A spill | wc -l
            wc -l < sorted
            sha256sum sorted
            sort -S 1M -T spill -k2,2n -o unsorted unsorted
            head -3 unsorted
            """);
    });

    private static readonly Scenario DdSync = new(nameof(DdSync), workspace =>
    {
        workspace.Sh("""
            seq 1 400000 > source
            dd if=source of=fsynced bs=64k conv=fsync status=none
            dd if=source of=fdatasynced bs=1M conv=fdatasync status=none
            dd if=source of=dsynced bs=32k oflag=dsync status=none
            dd if=source of=synced bs=128k oflag=sync status=none
            printf 'patch' | dd of=fsynced bs=1 seek=1000 conv=notrunc,fsync status=none
            cmp source fdatasynced && cmp source dsynced && cmp source synced
            cmp -l source fsynced | wc -l
            sync fsynced
            sync -f .
            """);
    });

    /// <summary>cp uses copy_file_range, Python's shutil sendfile, cat read and write: 48 MiB each way.</summary>
    private static readonly Scenario BigCopies = new(nameof(BigCopies), workspace =>
    {
        workspace.Sh("""
            python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(3).randbytes(48 << 20))' > big
            cp big big.cp
            cp --reflink=never big big.noreflink
            python3 -c 'import shutil; shutil.copyfile("big", "big.sendfile")'
            cat big > big.cat
            sha256sum big big.cp big.noreflink big.sendfile big.cat
            truncate -s 10M big.cat
            truncate -s 20M big.cat
            dd if=big of=big.cat bs=1M skip=30 seek=30 count=4 conv=notrunc status=none
            sha256sum big.cat
            rm big.cp
            mv big.noreflink big.moved
            ls
            """);
    });

    private static readonly Scenario DdDirect = new(nameof(DdDirect), workspace =>
    {
        workspace.Sh("""
            seq 1 100000 | head -c 262144 > source
            dd if=source of=direct bs=4096 oflag=direct status=none
            dd if=direct of=copied bs=64k iflag=direct status=none
            cmp source direct && cmp source copied
            dd if=source of=direct bs=4096 count=2 seek=8 oflag=direct conv=notrunc status=none
            sha256sum direct
            """);
    });

    private static readonly Scenario SparseCopy = new(nameof(SparseCopy), workspace =>
    {
        workspace.Sh("""
            truncate -s 64M sparse
            printf 'head' | dd of=sparse conv=notrunc status=none
            printf 'middle' | dd of=sparse bs=1 seek=33554432 conv=notrunc status=none
            printf 'tail' | dd of=sparse bs=1 seek=67108860 conv=notrunc status=none
            cp --sparse=always sparse always
            cp sparse auto
            cmp sparse always && cmp sparse auto
            du -k sparse always auto
            seq 1 300000 > punched
            fallocate --punch-hole --offset 65536 --length 1048576 punched
            fallocate --keep-size --offset 4194304 --length 65536 punched
            stat -c '%n %s' punched
            du -k punched
            python3 - sparse always auto punched <<'EOF'
            import os, sys
            for name in sys.argv[1:]:
                fd = os.open(name, os.O_RDONLY)
                extents, at = [], 0
                while True:
                    try:
                        data = os.lseek(fd, at, os.SEEK_DATA)
                    except OSError:
                        break
                    at = os.lseek(fd, data, os.SEEK_HOLE)
                    extents.append('%d-%d' % (data, at))
                print(name, ' '.join(extents))
            EOF
            """);
    });

    private static readonly Scenario TreeTools = new(nameof(TreeTools), workspace =>
    {
        workspace.Sh(Shell.MakeTree + $$"""
            make_tree t
            find t -type f -exec sha256sum {} + | sort -k2
            find t -name '*.txt' -exec sh -c 'echo "$1 has $(wc -c < "$1") bytes"' _ {} \;
            du -ab t | sort -k2
            du -sk t | cut -f1 > /dev/null
            ln -s t/a.txt link-to-a
            readlink link-to-a
            cat link-to-a
            ln -sfn t/sub link-to-a
            readlink link-to-a
            ln -s nowhere dangling
            ln t/sub/numbers numbers-again
            stat -c '%n %h' t/sub/numbers
            chmod -R go-rwx t
            chmod -R u+s,g+s t/sub/deeper
            find t -printf '%M %p\n' | sort -k2
            chown -R 65534:65534 t/sub
            find t -printf '%U:%G %p\n' | sort -k2
            touch -a -d '2002-03-04 05:06:07.5' t/a.txt
            touch -m -d '2003-04-05 06:07:08.25' t/sub/numbers
            touch -h -d '2004-05-06 07:08:09' link-to-a
            touch -r t/sub/numbers reference-copy
            stat -c '%n %x %y' t/a.txt
            stat -c '%n %y' t/sub/numbers link-to-a reference-copy
            mkdir -p moved/into/place
            mv t/sub/deeper moved/into/place/
            rm -r moved/into
            install -m 0600 /etc/hostname installed
            stat -c '%a %s' installed
            """);
    });

    /// <summary>
    /// Paths beyond PATH_MAX (4,096 bytes) from the place's root: programs reach them one
    /// directory at a time. Some of what is made down there is then renamed up to the root;
    /// the rest stays, for the trees and the replay to be compared at depth.
    /// </summary>
    private static readonly Scenario DeepTree = new(nameof(DeepTree), workspace =>
    {
        workspace.Sh("""
            name=$(printf 'd%.0s' $(seq 1 200))
            deep=$name
            for i in $(seq 2 24); do deep="$deep/$name"; done
            mkdir -p "$deep"
            python3 - "$name" <<'EOF'
            import os, sys
            top = os.open('.', os.O_RDONLY)
            fd = top
            for _ in range(24):
                fd = os.open(sys.argv[1], os.O_RDONLY, dir_fd=fd)
            file = os.open('bottom', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(file, b'at the bottom\n')
            os.close(file)
            os.symlink('bottom', 'bottom-link', dir_fd=fd)
            os.setxattr('/proc/self/fd/%d' % fd, 'user.deep', b'yes')
            os.chmod('bottom', 0o600, dir_fd=fd)
            os.rename('bottom', 'renamed', src_dir_fd=fd, dst_dir_fd=fd)
            os.utime('renamed', ns=(981173106123456789, 981173106123456789), dir_fd=fd)
            os.link('renamed', 'hard', src_dir_fd=fd, dst_dir_fd=fd)
            os.mkdir('leaf', dir_fd=fd)
            print('depth', 24 * 201, 'bytes')
            EOF
            tar -cf deep.tar "$name"
            tar -tf deep.tar | wc -l
            find . -name renamed -printf '%d %s %m %TY\n'
            du -a | wc -l
            python3 - "$name" <<'EOF'
            import os, sys
            top = os.open('.', os.O_RDONLY)
            fd = top
            for _ in range(24):
                fd = os.open(sys.argv[1], os.O_RDONLY, dir_fd=fd)
            for name in ('renamed', 'bottom-link', 'leaf'):
                os.rename(name, 'up-' + name, src_dir_fd=fd, dst_dir_fd=top)
            os.unlink('hard', dir_fd=fd)
            os.mkdir('gone', dir_fd=fd)
            os.rmdir('gone', dir_fd=fd)
            print('brought up:', sorted(n for n in os.listdir(top) if n.startswith('up-')))
            EOF
            ls
            find . -type d | wc -l
            """);
    }, Skip: path => path == "deep.tar");

    /// <summary>
    /// Names with a newline, a dash, spaces, 255 bytes and bytes that are not UTF-8 (renamed to
    /// ASCII at the end: the tree comparison reads names as UTF-8); a socket, a device node, a
    /// 4,000-byte symlink; BSD group inheritance in a set-group-ID directory; the umask.
    /// </summary>
    private static readonly Scenario NamesAndNodes = new(nameof(NamesAndNodes), workspace =>
    {
        workspace.Sh("""
            printf 'latin-1\n' > "$(printf 'latin-1 \351t\351')"
            touch "$(printf 'new\nline')" -- -dash 'with  spaces' "$(printf 'n%.0s' $(seq 255))"
            touch "$(printf 'n%.0s' $(seq 256))" 2>&1 | sed 's/.*: //'
            ls | wc -l
            ls -b | sort | cut -c1-40
            python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("socket"); print("bound a socket")'
            mknod null-device c 1 3
            mkfifo fifo
            stat -c '%n %F %t:%T' socket null-device fifo
            ln -s "$(printf 't%.0s' $(seq 4000))" long-link
            readlink long-link | wc -c
            mkdir group-dir
            chown 0:65534 group-dir
            chmod 2775 group-dir
            touch group-dir/file
            mkdir group-dir/sub
            stat -c '%n %U:%G %a' group-dir/file group-dir/sub
            (umask 077; touch umask-077; mkdir umask-077-dir)
            (umask 000; touch umask-000; mkdir umask-000-dir)
            stat -c '%n %a' umask-077 umask-077-dir umask-000 umask-000-dir
            mkdir -p a/b
            mv a a/b/c 2>&1 | sed 's/.*: //'
            rmdir a 2>&1 | sed 's/.*: //'
            mv "$(printf 'latin-1 \351t\351')" latin-1-renamed
            cat latin-1-renamed
            """);
    });

    private static readonly Scenario ParallelJobs = new(nameof(ParallelJobs), workspace =>
    {
        workspace.Sh("""
            mkdir -p jobs/a jobs/b
            seq 1 300 | xargs -P 4 -I{} sh -c 'seq {} 3000 > jobs/a/f{}; ln jobs/a/f{} jobs/b/l{}'
            find jobs/a -type f | xargs -P 4 -n 25 gzip -f
            find jobs/a -name '*.gz' | xargs -P 4 -n 25 gunzip
            cat jobs/a/* | sha256sum
            find jobs -type f -links 1 | wc -l
            find jobs/b -name 'l1*' | xargs -P 4 -n 10 rm
            find jobs/a -name 'f2*' -print0 | xargs -0 -P 4 -I{} mv {} {}.moved
            find jobs -type f | wc -l
            """);
    });
}
