namespace Vellum.Recording.Binding;

/// <summary>
/// The journal's half of its binding: which directory it journals, by identity and by the path
/// it was last mounted from, and the attribute its mark is stored under (none where the
/// filesystem keeps no extended attributes). Kept as JOURNAL/binding.
/// </summary>
public sealed record JournalBinding(Guid JournalId, BackingIdentity Backing, string BackingPath, string? MarkName)
{
    public const string FileName = "binding";

    private const string Kind = "vellum journal binding 1";

    /// <summary>The binding in <paramref name="journal"/>, or null when it has none (a journal older than bindings, or a new one).</summary>
    public static JournalBinding? Read(string journal)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(journal, FileName));
        }
        catch (Exception missing) when (missing is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return KeyValueText.Parse(Kind, bytes) is { } pairs
            && pairs.TryGetValue("journal-id", out var id) && Guid.TryParse(id, out var journalId)
            && BackingIdentity.Parse(pairs.GetValueOrDefault("device"), pairs.GetValueOrDefault("inode")) is { } identity
                ? new JournalBinding(journalId, identity, pairs.GetValueOrDefault("backing", "(unknown)"), pairs.GetValueOrDefault("mark") is { Length: > 0 } mark and not "none" ? mark : null)
                : null;
    }

    /// <summary>Replaces JOURNAL/binding whole (a new file renamed over the old one, then synced), so a crash leaves the old binding or the new one.</summary>
    public void Write(string journal)
    {
        var path = Path.Combine(journal, FileName);
        var bytes = KeyValueText.Format(Kind, [
            ("journal-id", JournalId.ToString()),
            ("device", Backing.Device),
            ("inode", Backing.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("backing", BackingPath),
            ("mark", MarkName ?? "none"),
        ]);
        Vellum.Native.OwnerOnly.WriteReplacing(path, bytes);
    }
}
