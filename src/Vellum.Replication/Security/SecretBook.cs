using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Vellum.Replication.Security;

/// <summary>
/// The shared secrets a replication server accepts, one per journal, read from a file of
/// lines <c>JOURNAL-UUID SECRET</c>, plus optionally <c>* SECRET</c> for every journal not
/// listed. Lines starting with <c>#</c> and blank lines are ignored. A secret is the UTF-8
/// bytes of its text, which holds no whitespace, and is at least <see cref="MinimumSecretSize"/> bytes.
/// </summary>
/// <remarks>
/// Secret files must be private to their owner: one readable by group or others is refused
/// rather than used, as ssh refuses a private key with such a mode.
/// </remarks>
public sealed class SecretBook
{
    /// <summary>The shortest secret accepted: 128 bits, even if typed as text.</summary>
    public const int MinimumSecretSize = 16;

    private const UnixFileMode SharedBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    // Strict, so a secret with invalid UTF-8 is an error here instead of differing silently from the source's raw bytes.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<Guid, byte[]> _secrets;
    private readonly byte[]? _default;

    private SecretBook(Dictionary<Guid, byte[]> secrets, byte[]? fallback)
    {
        _secrets = secrets;
        _default = fallback;
    }

    /// <summary>Reads a secrets file; every error names the file, and the line where there is one.</summary>
    /// <exception cref="InvalidDataException">The file is readable by group or others, or a line is malformed.</exception>
    public static SecretBook Load(string path)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(ReadPrivate(path));
        }
        catch (DecoderFallbackException error)
        {
            throw new InvalidDataException($"{path}: not UTF-8 text", error);
        }

        var secrets = new Dictionary<Guid, byte[]>();
        byte[]? fallback = null;
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var where = $"{path}:{index + 1}";
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
                throw new InvalidDataException($"{where}: expected 'JOURNAL-UUID SECRET' or '* SECRET', found {fields.Length} fields");
            var secret = Encoding.UTF8.GetBytes(fields[1]);
            CheckLength(where, secret);
            if (fields[0] == "*")
            {
                if (fallback is not null)
                    throw new InvalidDataException($"{where}: a second '*' line; only one default secret is allowed");
                fallback = secret;
            }
            else if (!Guid.TryParse(fields[0], out var journalId))
            {
                throw new InvalidDataException($"{where}: '{fields[0]}' is neither a journal UUID nor '*'");
            }
            else if (!secrets.TryAdd(journalId, secret))
            {
                throw new InvalidDataException($"{where}: journal {journalId} is listed twice");
            }
        }
        return new SecretBook(secrets, fallback);
    }

    /// <summary>The secret for <paramref name="journalId"/>: its own line, else the '*' line; false when neither exists.</summary>
    public bool TryGet(Guid journalId, [MaybeNullWhen(false)] out byte[] secret)
    {
        var found = _secrets.GetValueOrDefault(journalId) ?? _default;
        // A copy, so no caller can change the book for the connections after it.
        secret = found?.ToArray();
        return secret is not null;
    }

    /// <summary>
    /// Reads a source's secret: the whole file, less its trailing line break, under the same
    /// length and permission rules as <see cref="Load"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is readable by group or others, or the secret is too short.</exception>
    public static byte[] ReadSecretFile(string path)
    {
        var bytes = ReadPrivate(path);
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
            length--;
        var secret = bytes[..length];
        CheckLength(path, secret);
        return secret;
    }

    private static void CheckLength(string where, byte[] secret)
    {
        if (secret.Length < MinimumSecretSize)
            throw new InvalidDataException($"{where}: the secret is {secret.Length} bytes; at least {MinimumSecretSize} are needed");
    }

    private static byte[] ReadPrivate(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        // The mode is read from the open file, so the file checked is the file read.
        var mode = File.GetUnixFileMode(stream.SafeFileHandle);
        if ((mode & SharedBits) != 0)
        {
            throw new InvalidDataException(
                $"{path} holds secrets but other users may access it (mode {Convert.ToString((int)mode & 0x1FF, 8)}); run: chmod 600 {path}");
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
