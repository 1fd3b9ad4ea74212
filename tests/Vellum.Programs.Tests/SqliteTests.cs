namespace Vellum.Programs.Tests;

/// <summary>sqlite3 in WAL mode (a shared-memory index mapped by every connection) and in rollback-journal mode.</summary>
public sealed class SqliteTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sqlite_in_wal_mode_keeps_a_sound_database_with_a_reader_beside_the_writer(Place place) => Scenarios.Check(place, Wal, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sqlite_in_rollback_journal_mode_keeps_a_sound_database(Place place) => Scenarios.Check(place, Rollback, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Sqlite_writers_of_two_processes_take_turns_through_its_locks(Place place) => Scenarios.Check(place, TwoWriters, plainRuns);

    private const string Fill = """
        CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
        INSERT INTO t(v) SELECT printf('row %d %s', x, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26)) FROM c;
        UPDATE t SET v = v || ' updated' WHERE id % 3 = 0;
        DELETE FROM t WHERE id % 7 = 0;
        CREATE INDEX t_v ON t(v);
        """;

    /// <summary>The database is sound, and what it holds in two figures.</summary>
    internal const string Check = """
        PRAGMA integrity_check;
        SELECT count(*), sum(length(v)) FROM t;
        """;

    private static readonly Scenario Wal = new(nameof(Wal), workspace =>
    {
        workspace.Sh($"""
            sqlite3 wal.db 'PRAGMA journal_mode=WAL;'
            sqlite3 wal.db "{Fill}"
            sqlite3 wal.db "{Check}"
            """);
        // Two connections of two processes: a reader's snapshot stays while the writer commits.
        workspace.Sh("""
            python3 - <<'EOF'
            import sqlite3, subprocess
            reader = sqlite3.connect('wal.db', isolation_level=None)
            reader.execute('BEGIN')
            before = reader.execute('SELECT count(*) FROM t').fetchone()[0]
            subprocess.run(['sqlite3', 'wal.db', "INSERT INTO t(v) VALUES ('from another process')"], check=True)
            print('reader still sees', reader.execute('SELECT count(*) FROM t').fetchone()[0] == before)
            reader.execute('COMMIT')
            print('reader then sees', reader.execute('SELECT count(*) FROM t').fetchone()[0] - before, 'more')
            reader.close()
            EOF
            """);
        workspace.Sh($"""
            sqlite3 wal.db 'PRAGMA wal_checkpoint(TRUNCATE);' 'VACUUM;' "{Check}" 'PRAGMA journal_mode;'
            ls
            """);
    });

    private static readonly Scenario Rollback = new(nameof(Rollback), workspace =>
    {
        workspace.Sh($"""
            sqlite3 rollback.db 'PRAGMA journal_mode=DELETE;'
            sqlite3 rollback.db "{Fill}"
            sqlite3 rollback.db 'BEGIN; DELETE FROM t; ROLLBACK;' "{Check}"
            sqlite3 rollback.db 'PRAGMA journal_mode=TRUNCATE;' "INSERT INTO t(v) VALUES ('x');" 'PRAGMA journal_mode=PERSIST;' "INSERT INTO t(v) VALUES ('y');" "{Check}"
            sqlite3 rollback.db 'VACUUM;' "{Check}"
            ls
            """);
    });

    /// <summary>Rollback mode serialises writers with fcntl locks on the database file, WAL mode with locks on its -shm file.</summary>
    private static readonly Scenario TwoWriters = new(nameof(TwoWriters), workspace =>
    {
        workspace.Sh("""
            python3 - <<'EOF'
            import os, sqlite3
            for mode in ('delete', 'wal'):
                name = 'writers-%s.db' % mode
                setup = sqlite3.connect(name)
                setup.execute('PRAGMA journal_mode=%s' % mode)
                setup.execute('CREATE TABLE t(writer INTEGER, n INTEGER)')
                setup.commit()
                setup.close()
                children = []
                for writer in range(2):
                    pid = os.fork()
                    if pid == 0:
                        db = sqlite3.connect(name, timeout=60, isolation_level=None)
                        for n in range(150):
                            db.execute('BEGIN IMMEDIATE')
                            db.execute('INSERT INTO t VALUES (?, ?)', (writer, n))
                            db.execute('COMMIT')
                        db.close()
                        os._exit(0)
                    children.append(pid)
                statuses = [os.waitpid(pid, 0)[1] for pid in children]
                db = sqlite3.connect(name)
                print(mode, statuses, db.execute('PRAGMA integrity_check').fetchone()[0],
                      db.execute('SELECT writer, count(*), sum(n) FROM t GROUP BY writer').fetchall())
                db.close()
            EOF
            """);
    }, Skip: path => path.StartsWith("writers-", StringComparison.Ordinal));
}
