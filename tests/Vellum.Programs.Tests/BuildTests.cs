namespace Vellum.Programs.Tests;

/// <summary>Building and running programs: make and gcc, a Python venv, a script run right after it is written.</summary>
public sealed class BuildTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Make_and_gcc_build_a_program_that_runs_and_rebuild_only_what_changed(Place place) => Scenarios.Check(place, Make, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void A_python_venv_is_created_and_runs_a_module_of_its_own(Place place) => Scenarios.Check(place, Venv, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void A_freshly_written_script_and_a_freshly_copied_binary_execute(Place place) => Scenarios.Check(place, FreshExecutables, plainRuns);

    /// <summary>Times are set before the rebuild: ext4's clock ticks coarsely, and a `touch` in the same tick as the build would change nothing.</summary>
    private static readonly Scenario Make = new(nameof(Make), workspace =>
    {
        workspace.Sh("""
            mkdir -p project/src
            cd project
            cat > src/greeting.h <<'EOF'
            const char *greeting(void);
            EOF
            cat > src/greeting.c <<'EOF'
            #include "greeting.h"
            const char *greeting(void) { return "hello from a build"; }
            EOF
            cat > src/main.c <<'EOF'
            #include <stdio.h>
            #include "greeting.h"
            int main(int argc, char **argv) { printf("%s, %d argument(s)\n", greeting(), argc - 1); return 0; }
            EOF
            cat > Makefile <<'EOF'
            build/hello: build/main.o build/greeting.o
            	gcc -o $@ $^
            build/%.o: src/%.c src/greeting.h | build
            	gcc -O2 -Wall -c -o $@ $<
            build:
            	mkdir -p build
            EOF
            make
            ./build/hello one two
            make
            touch -d '2001-01-01' Makefile src/* build/*
            touch -d '2002-01-01' src/greeting.c
            make
            ./build/hello
            """);
    });

    /// <summary>
    /// A venv's scripts (activate, pip's launchers), pyvenv.cfg and pip's RECORD (the launchers'
    /// hashes) hold the place's absolute path, and compiled bytecode the times of its sources:
    /// those are left out of the comparison.
    /// </summary>
    private static readonly Scenario Venv = new(nameof(Venv), workspace =>
    {
        workspace.Sh("""
            python3 -m venv venv
            venv/bin/pip --version | sed 's/ from .* (/ (/'
            venv/bin/pip list --disable-pip-version-check --no-index
            mkdir -p venv/lib/python3.11/site-packages/greeter
            printf 'def hello(name):\n    return "hello " + name\n' > venv/lib/python3.11/site-packages/greeter/__init__.py
            venv/bin/python -c 'import sys, greeter; print(sys.prefix != sys.base_prefix, greeter.hello("venv"))'
            venv/bin/python -m compileall -q venv/lib/python3.11/site-packages/greeter
            venv/bin/python -c 'import greeter; print(greeter.__cached__.split("/")[-1])'
            venv/bin/python -m pip check --disable-pip-version-check
            ls venv venv/bin
            find venv -type f | wc -l
            """);
    }, Skip: path => Path.GetFileName(path) is "pyvenv.cfg" or "__pycache__" or "RECORD"
        || (Path.GetFileName(Path.GetDirectoryName(path)) == "bin" && !Path.GetFileName(path).StartsWith("python", StringComparison.Ordinal)));

    private static readonly Scenario FreshExecutables = new(nameof(FreshExecutables), workspace =>
    {
        workspace.Sh("""
            printf '#!/bin/sh\necho "fresh script, argument $1"\n' > run.sh
            chmod +x run.sh
            ./run.sh one
            printf '#!/bin/sh\necho "rewritten script"\n' > run.sh
            ./run.sh
            cp /bin/echo ./my-echo
            ./my-echo 'a copied binary runs'
            python3 - <<'EOF'
            import errno, os, subprocess, time
            for i in range(20):
                with open('loop.sh', 'w') as f:
                    f.write('#!/bin/sh\necho %d\n' % i)
                os.chmod('loop.sh', 0o755)
                out = subprocess.run(['./loop.sh'], capture_output=True, text=True, check=True).stdout
                assert out == '%d\n' % i, out
            print('20 rewrites, each ran as written')
            cmd = ['cp', '/bin/sleep', 'my-sleep']
            subprocess.run(cmd, check=True)
            running = subprocess.Popen(['./my-sleep', '60'])
            deadline = time.monotonic() + 30
            while not os.readlink('/proc/%d/exe' % running.pid).endswith('/my-sleep') and time.monotonic() < deadline:
                pass
            try:
                os.open('my-sleep', os.O_WRONLY)
                print('a running program opened for writing')
            except OSError as e:
                print('a running program refuses a writer:', errno.errorcode[e.errno])
            running.kill()
            running.wait()
            EOF
            """);
    });
}
