using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>
/// Where a scan that starts inside a journal picks up: the journal header in force and the
/// id of the last transaction begun before the first byte read. Records of that
/// transaction and earlier ones are skipped; later transactions must begin in the input.
/// <see cref="Open"/>, when known, lists the transactions open at the start: their records
/// are skipped too, and those not ended in the input are reported incomplete.
/// </summary>
public sealed record JournalResume(JournalHeader Header, ulong LastBegun, IReadOnlyList<OpenTransaction>? Open = null);
