namespace Vellum.Programs.Tests;

/// <summary>
/// One file used by several opens at once, in one process and in two: readers, a reader beside
/// a writer, shared mappings, locks, appends, and names that change under an open file.
/// </summary>
public sealed class SharingTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Two_readers_and_a_reader_beside_a_writer_share_one_file(Place place) => Scenarios.Check(place, SharedOpens, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Shared_mapping_writes_are_read_back_with_read_and_kept(Place place) => Scenarios.Check(place, SharedMapping, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Flock_and_fcntl_locks_exclude_another_process(Place place) => Scenarios.Check(place, Locks, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Appends_from_two_processes_interleave_whole_records(Place place) => Scenarios.Check(place, Appends, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void An_open_file_renamed_over_or_unlinked_keeps_its_content_for_its_holder(Place place) => Scenarios.Check(place, NamesUnderAnOpenFile, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Tail_follows_a_file_another_process_appends_to_and_copytruncate_rotates_it(Place place) => Scenarios.Check(place, FollowAndRotate, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void A_directory_renamed_under_a_process_working_in_it_keeps_taking_its_changes(Place place) => Scenarios.Check(place, RenamedUnderfoot, plainRuns);

    private static readonly Scenario SharedOpens = new(nameof(SharedOpens), workspace =>
    {
        workspace.Sh("""
            printf 'shared content\n' > shared
            python3 - <<'EOF'
            import os, subprocess
            a = os.open('shared', os.O_RDONLY)
            b = os.open('shared', os.O_RDONLY)
            print('two readers, one process:', os.read(a, 100) == os.read(b, 100))
            print('readers of two processes:', subprocess.run(['cat', 'shared'], capture_output=True, text=True, check=True).stdout.strip())
            w = os.open('shared', os.O_RDWR)
            os.pwrite(w, b'SHARED', 0)
            print('reader beside a writer, one process:', os.pread(a, 100, 0))
            print('reader of another process beside the writer:', subprocess.run(['cat', 'shared'], capture_output=True, text=True, check=True).stdout.strip())
            child = subprocess.Popen(['sh', '-c', 'exec 3<>shared; read line <&3; echo "$line"; printf "child" >&3'], stdout=subprocess.PIPE, text=True)
            print('writer of another process:', child.communicate()[0].strip(), child.returncode)
            print('seen by both readers:', os.pread(a, 100, 0), os.pread(b, 100, 0))
            os.ftruncate(w, 6)
            print('after truncate through the writer:', os.pread(a, 100, 0))
            for fd in (a, b, w):
                os.close(fd)
            EOF
            (exec 3<shared; exec 4<shared; cat <&3; cat <&4; cat shared)
            (exec 5>>shared; printf ' appended' >&5; cat shared; echo)
            """);
    });

    private static readonly Scenario SharedMapping = new(nameof(SharedMapping), workspace =>
    {
        workspace.Sh("""
            python3 - <<'EOF'
            import mmap, os, subprocess
            fd = os.open('mapped', os.O_RDWR | os.O_CREAT, 0o644)
            os.ftruncate(fd, 1 << 20)
            reader = os.open('mapped', os.O_RDONLY)
            m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            m[0:5] = b'hello'
            m[500000:500006] = b'middle'
            print('read(2) before msync:', os.pread(reader, 5, 0), os.pread(fd, 6, 500000))
            m.flush()
            print('another process after msync:', subprocess.run(['dd', 'if=mapped', 'bs=1', 'skip=500000', 'count=6', 'status=none'], capture_output=True, check=True).stdout)
            m[1000:1008] = b'unsynced'
            m.close()
            os.close(fd)
            print('after munmap and close:', os.pread(reader, 8, 1000))
            os.close(reader)
            # A second mapping of the same file by another process sees the first one's writes.
            writer = subprocess.Popen(['python3', '-c', '''
            import mmap, os, sys
            fd = os.open("mapped", os.O_RDWR)
            m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
            m[2000:2005] = b"child"
            sys.stdout.write("mapped\\n"); sys.stdout.flush()
            sys.stdin.readline()
            m.close()
            '''.replace('\n            ', '\n')], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert writer.stdout.readline() == 'mapped\n'
            fd = os.open('mapped', os.O_RDONLY)
            m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
            print('a mapping of another process:', m[2000:2005], os.pread(fd, 5, 2000))
            writer.communicate('\n')
            m.close()
            os.close(fd)
            EOF
            cmp -l mapped /dev/zero 2>/dev/null | wc -l || true
            """);
    });

    private static readonly Scenario Locks = new(nameof(Locks), workspace =>
    {
        workspace.Sh("""
            touch lockfile
            exec 9>>lockfile
            flock -n 9 && echo 'this shell holds the flock'
            flock -n lockfile -c 'echo another process got it' || echo 'another process is refused'
            flock -u 9
            flock -n lockfile -c 'echo another process got it after the release'
            flock -s 9 && flock -s -n lockfile -c 'echo a shared lock beside a shared lock'
            exec 9>&-
            python3 - <<'EOF'
            import fcntl, os, struct
            fd = os.open('records', os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b'x' * 100)
            fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)
            tried_r, tried_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                other = os.open('records', os.O_RDWR)
                try:
                    fcntl.lockf(other, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
                    print('child locked bytes 0-9 held by the parent', flush=True)
                except OSError:
                    print('child refused bytes 0-9', flush=True)
                fcntl.lockf(other, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)
                print('child locked bytes 50-59', flush=True)
                held = fcntl.fcntl(other, fcntl.F_GETLK, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 10, 0))
                kind, _, start, length, owner = struct.unpack('hhqqi', held[:28])
                print('F_GETLK names the parent:', owner == os.getppid(), start, length, flush=True)
                os.write(tried_w, b'!')
                fcntl.lockf(other, fcntl.LOCK_EX, 10, 0)
                print('child got bytes 0-9 once the parent let go', flush=True)
                os._exit(0)
            os.read(tried_r, 1)
            fcntl.lockf(fd, fcntl.LOCK_UN, 10, 0)
            _, status = os.waitpid(pid, 0)
            print('child exit', status)
            EOF
            """);
    });

    /// <summary>The interleaving of the two writers differs from run to run: the log is checked, not compared.</summary>
    private static readonly Scenario Appends = new(nameof(Appends), workspace =>
    {
        workspace.Sh("""
            python3 - <<'EOF'
            import os
            children = []
            for writer in range(2):
                pid = os.fork()
                if pid == 0:
                    fd = os.open('appended', os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                    for i in range(3000):
                        os.write(fd, b'writer %d record %06d ........\n' % (writer, i))
                    os._exit(0)
                children.append(pid)
            for pid in children:
                os.waitpid(pid, 0)
            lines = open('appended', 'rb').read().split(b'\n')[:-1]
            print('records', len(lines), 'bytes', os.path.getsize('appended'))
            for writer in range(2):
                mine = [l for l in lines if l.startswith(b'writer %d ' % writer)]
                print('writer', writer, 'in order and whole:', mine == [b'writer %d record %06d ........' % (writer, i) for i in range(3000)])
            EOF
            for i in $(seq 1 200); do echo "shell one $i" >> shell-appended; done &
            for i in $(seq 1 200); do echo "shell two $i" >> shell-appended; done
            wait
            wc -l < shell-appended
            sort shell-appended > shell-sorted
            """);
    }, Skip: path => path is "appended" or "shell-appended");

    private static readonly Scenario NamesUnderAnOpenFile = new(nameof(NamesUnderAnOpenFile), workspace =>
    {
        workspace.Sh("""
            printf 'old configuration\n' > config
            exec 3<config
            printf 'new configuration\n' > config.new
            mv config.new config
            echo "the holder still reads: $(cat <&3)"
            echo "a new open reads: $(cat config)"
            exec 3<&-
            python3 - <<'EOF'
            import os
            with open('doomed', 'w') as f:
                f.write('still here after unlink\n')
            fd = os.open('doomed', os.O_RDWR)
            os.unlink('doomed')
            print('unlinked, read:', os.pread(fd, 100, 0))
            os.pwrite(fd, b'STILL', 0)
            os.ftruncate(fd, 10)
            print('unlinked, written:', os.pread(fd, 100, 0), 'links', os.fstat(fd).st_nlink)
            with open('/proc/self/fd/%d' % fd, 'rb') as again:
                print('reopened through /proc:', again.read())
            os.close(fd)
            print('name exists:', os.path.exists('doomed'))
            open('replaced', 'w').write('first\n')
            held = os.open('replaced', os.O_RDWR)
            open('replacement', 'w').write('second\n')
            os.rename('replacement', 'replaced')
            os.pwrite(held, b'FIRST', 0)
            print('the renamed-over file takes writes:', os.pread(held, 100, 0), 'links', os.fstat(held).st_nlink)
            print('its old name now reads:', open('replaced').read().strip())
            os.close(held)
            EOF
            """);
    });

    /// <summary>tail polls a FUSE file (no inotify for it) once per --sleep-interval; the wait is a deadline, not a pause.</summary>
    private static readonly Scenario FollowAndRotate = new(nameof(FollowAndRotate), workspace =>
    {
        workspace.Sh("""
            python3 - <<'EOF'
            import os, subprocess, time
            log = os.open('app.log', os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            follower = subprocess.Popen(['tail', '-n', '+1', '-F', '-s', '0.1', 'app.log'], stdout=subprocess.PIPE, text=True)
            def wait_for(line):
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    seen = follower.stdout.readline()
                    if seen == line + '\n':
                        return True
                return False
            for i in range(5):
                os.write(log, b'line %d\n' % i)
                print('tail saw line', i, wait_for('line %d' % i))
            subprocess.run(['cp', 'app.log', 'app.log.1'], check=True)
            subprocess.run(['truncate', '-s', '0', 'app.log'], check=True)
            os.write(log, b'after rotation\n')
            print('tail saw the line after rotation:', wait_for('after rotation'))
            follower.kill()
            follower.wait()
            os.close(log)
            print('rotated:', open('app.log.1').read().split())
            print('live:', open('app.log').read().split(), os.path.getsize('app.log'))
            EOF
            """);
    });

    /// <summary>
    /// A journal that names changes by path must follow renames of a parent made while a
    /// process holds the directory, a file in it, or its working directory there.
    /// </summary>
    private static readonly Scenario RenamedUnderfoot = new(nameof(RenamedUnderfoot), workspace =>
    {
        workspace.Sh("""
            mkdir first
            python3 - <<'EOF'
            import os, subprocess
            directory = os.open('first', os.O_RDONLY)
            held = os.open('first/held', os.O_RDWR | os.O_CREAT, 0o644)
            os.rename('first', 'second')
            made = os.open('made-after-rename', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=directory)
            os.write(made, b'made through the held directory\n')
            os.close(made)
            os.write(held, b'written after the parent was renamed\n')
            os.mkdir('outer')
            os.rename('second', 'outer/third')
            os.write(held, b'and after it moved into another directory\n')
            os.fchmod(held, 0o600)
            os.close(held)
            os.close(directory)
            worker = subprocess.Popen(['sh', '-c', 'read go; echo "from the renamed working directory" > here; mkdir sub; echo deeper > sub/file'],
                                      cwd='outer/third', stdin=subprocess.PIPE, text=True)
            os.rename('outer/third', 'fourth')
            worker.communicate('go\n')
            print('worker exit', worker.returncode)
            EOF
            find . -type f | sort
            cat fourth/held fourth/made-after-rename fourth/here fourth/sub/file
            stat -c '%n %a' fourth/held
            """);
    });
}
