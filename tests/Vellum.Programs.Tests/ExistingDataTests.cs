namespace Vellum.Programs.Tests;

/// <summary>
/// Programs working on data that was in the directory before it was mounted: a git repository
/// cloned into a directory of older files and committed to, and a database sqlite3 changes.
/// The journal of such a mount must replay into the whole backing directory, old data included.
/// </summary>
public sealed class ExistingDataTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Git_clones_a_repository_that_was_there_into_a_directory_that_was_there_and_commits_in_both(Place place) =>
        Scenarios.Check(place, Git, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sqlite_changes_databases_that_were_there_in_rollback_and_wal_mode(Place place) => Scenarios.Check(place, Sqlite, plainRuns);

    /// <summary>A .git directory's index holds inode numbers and times of the place: only git's own verdicts are compared.</summary>
    private static readonly Scenario Git = new(nameof(Git), workspace =>
    {
        workspace.Sh("""
            git clone -q source projects/clone
            cd projects/clone
            git status --porcelain
            git log --format='%H %s'
            printf 'more\n' >> README
            git commit -q -am 'in the clone'
            git fsck --strict --no-progress
            git status --porcelain
            git rev-parse HEAD
            """);
        workspace.Sh("""
            cd source
            git status --porcelain
            printf 'changed in the old repository\n' >> README
            git status --porcelain
            git commit -q -am 'in the old repository'
            git fsck --strict --no-progress
            git status --porcelain
            git log --format='%H %s'
            cat ../projects/old/notes.txt
            """);
    }, Skip: path => Path.GetFileName(path) == ".git", Existing: """
        git init -q -b main source
        cd source
        printf 'hello\n' > README
        mkdir lib
        seq 1 2000 > lib/numbers
        git add -A
        git commit -q -m first
        for i in 1 2 3; do seq "$i" 3000 > "lib/n$i"; git add -A; git commit -q -m "commit $i"; done
        cd ..
        mkdir -p projects/old
        printf 'kept\n' > projects/old/notes.txt
        """);

    private static readonly Scenario Sqlite = new(nameof(Sqlite), workspace =>
    {
        workspace.Sh($"""
            sqlite3 old.db "{SqliteTests.Check}"
            sqlite3 old.db "UPDATE t SET v = v || ' again' WHERE id % 5 = 0;" "DELETE FROM t WHERE id % 11 = 0;" "{SqliteTests.Check}"
            sqlite3 old.db 'VACUUM;' "{SqliteTests.Check}"
            sqlite3 old-wal.db 'PRAGMA journal_mode;' "INSERT INTO t(v) SELECT v || ' copy' FROM t WHERE id % 4 = 0;" "{SqliteTests.Check}"
            sqlite3 old-wal.db 'PRAGMA wal_checkpoint(TRUNCATE);' "{SqliteTests.Check}"
            ls
            """);
    }, Existing: """
        sqlite3 old-wal.db 'PRAGMA journal_mode=WAL;'
        for db in old.db old-wal.db; do
            sqlite3 "$db" <<'EOF'
        CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
        INSERT INTO t(v) SELECT printf('row %d', x) FROM c;
        EOF
        done
        """);
}
