using Vellum.Journal.Format;

namespace Vellum.TimeTravel;

/// <summary>
/// What a MOMENT resolved to: the state after every committed transaction with an id up to
/// <see cref="TransactionId"/>, which is itself committed, and <see cref="Time"/>, its TIME.
/// </summary>
public readonly record struct ResolvedMoment(ulong TransactionId, JournalTimestamp Time)
{
    public override string ToString() => $"txid:{TransactionId} ({Time})";
}
