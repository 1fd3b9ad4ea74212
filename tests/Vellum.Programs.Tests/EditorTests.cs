namespace Vellum.Programs.Tests;

/// <summary>How editors save: vim writing a new file and renaming it in, vim overwriting in place, sed -i, and write-fsync-rename.</summary>
public sealed class EditorTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Editors_save_by_rename_and_in_place_keeping_the_mode(Place place) => Scenarios.Check(place, Saves, plainRuns);

    private static readonly Scenario Saves = new(nameof(Saves), workspace =>
    {
        workspace.Sh("""
            printf 'line one\nline two\n' > doc.txt
            chmod 640 doc.txt
            ln -s doc.txt doc-link
            vim -Es -u NONE -i NONE -N -c 'set backupcopy=no writebackup' -c '%s/two/TWO/' -c 'wq' doc.txt
            vim -Es -u NONE -i NONE -N -c 'set backupcopy=yes' -c '$put =\"line three\"' -c 'wq' doc.txt
            ls -A
            sed -i 's/one/ONE/' doc.txt
            sed -i.orig --follow-symlinks 's/ONE/One/' doc-link
            python3 - <<'EOF'
            import os
            with open('doc.txt.tmp', 'w') as f:
                f.write(open('doc.txt').read() + 'line four\n')
                f.flush()
                os.fsync(f.fileno())
            os.chmod('doc.txt.tmp', os.stat('doc.txt').st_mode & 0o7777)
            os.rename('doc.txt.tmp', 'doc.txt')
            directory = os.open('.', os.O_RDONLY)
            os.fsync(directory)
            os.close(directory)
            EOF
            cat doc.txt
            stat -c '%n %a %s %F' doc.txt doc.txt.orig doc-link
            """);
    }, Skip: path => path.EndsWith(".swp", StringComparison.Ordinal));
}
