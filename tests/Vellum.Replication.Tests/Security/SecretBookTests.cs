using System.Text;
using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

public sealed class SecretBookTests : IDisposable
{
    private const string JournalA = "6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c40";
    private const string JournalB = "a3e5b7c9-1f2d-4e6a-8b0c-9d7f5e3a1b2c";

    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-secrets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Listed_journals_get_their_own_secret_and_others_the_default()
    {
        var book = SecretBook.Load(Write("""
            # replication secrets

            6F1C2A9E-0D4B-4C37-9A51-2B7E8F3D1C40   journal-a-secret-0001
            *	default-secret-for-the-rest
               # an indented comment
            """));

        Assert.True(book.TryGet(Guid.Parse(JournalA), out var own));
        Assert.Equal("journal-a-secret-0001", Encoding.UTF8.GetString(own));
        Assert.True(book.TryGet(Guid.Parse(JournalB), out var fallback));
        Assert.Equal("default-secret-for-the-rest", Encoding.UTF8.GetString(fallback));
    }

    [Fact]
    public void Without_a_default_an_unlisted_journal_has_no_secret()
    {
        var book = SecretBook.Load(Write($"{JournalA} journal-a-secret-0001\r\n"));

        Assert.True(book.TryGet(Guid.Parse(JournalA), out var secret));
        Assert.Equal("journal-a-secret-0001", Encoding.UTF8.GetString(secret));
        Assert.False(book.TryGet(Guid.Parse(JournalB), out _));
    }

    [Fact]
    public void A_secret_handed_out_cannot_change_the_book()
    {
        var book = SecretBook.Load(Write($"{JournalA} journal-a-secret-0001\n"));
        Assert.True(book.TryGet(Guid.Parse(JournalA), out var first));
        first[0] ^= 0xFF;

        Assert.True(book.TryGet(Guid.Parse(JournalA), out var second));
        Assert.Equal("journal-a-secret-0001", Encoding.UTF8.GetString(second));
    }

    [Theory]
    [InlineData("# fine\n6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c40 fifteen-bytes!!\n", 2, "the secret is 15 bytes; at least 16 are needed")]
    [InlineData("* sixteen-bytes!!!\n* another-default-secret\n", 2, "a second '*' line")]
    [InlineData("6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c40 first-secret-long\n\n6F1C2A9E-0D4B-4C37-9A51-2B7E8F3D1C40 second-secret-long\n", 3, "journal 6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c40 is listed twice")]
    [InlineData("6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c4 secret-long-enough\n", 1, "'6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c4' is neither a journal UUID nor '*'")]
    [InlineData("6f1c2a9e-0d4b-4c37-9a51-2b7e8f3d1c40\n", 1, "expected 'JOURNAL-UUID SECRET' or '* SECRET', found 1 fields")]
    [InlineData("* secret with spaces in it\n", 1, "found 6 fields")]
    public void A_malformed_line_is_refused_with_file_and_line_named(string content, int line, string reason)
    {
        var path = Write(content);

        var error = Assert.Throws<InvalidDataException>(() => SecretBook.Load(path));

        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_is_measured_in_UTF8_bytes_not_characters()
    {
        // Eight characters, sixteen bytes.
        var book = SecretBook.Load(Write("* ééééçççç\n"));

        Assert.True(book.TryGet(Guid.NewGuid(), out var secret));
        Assert.Equal(16, secret.Length);
    }

    [Fact]
    public void A_file_that_is_not_UTF8_is_refused()
    {
        var path = Write("");
        File.WriteAllBytes(path, [.. "* secret-long-enough-"u8, 0xFF, (byte)'\n']);

        var error = Assert.Throws<InvalidDataException>(() => SecretBook.Load(path));

        Assert.Equal($"{path}: not UTF-8 text", error.Message);
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    public void A_secrets_file_others_may_access_is_refused(UnixFileMode extra)
    {
        var path = Write("* secret-long-enough-\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = Assert.Throws<InvalidDataException>(() => SecretBook.Load(path));

        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_secret_file_loses_its_trailing_line_break_only()
    {
        var path = Write("  a secret, with spaces  \r\n");

        Assert.Equal("  a secret, with spaces  ", Encoding.UTF8.GetString(SecretBook.ReadSecretFile(path)));
    }

    [Fact]
    public void A_short_source_secret_is_refused_with_the_file_named()
    {
        var path = Write("fifteen-bytes!!\n");

        var error = Assert.Throws<InvalidDataException>(() => SecretBook.ReadSecretFile(path));

        Assert.Equal($"{path}: the secret is 15 bytes; at least 16 are needed", error.Message);
    }

    [Fact]
    public void A_world_readable_source_secret_is_refused()
    {
        var path = Write("secret-long-enough-\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidDataException>(() => SecretBook.ReadSecretFile(path));

        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    private string Write(string content)
    {
        var path = Path.Combine(_directory, $"secrets-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
