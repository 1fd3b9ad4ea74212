namespace Vellum.TimeTravel;

/// <summary>How a MOMENT was written: by transaction id, by a point in time, or as an age before now.</summary>
public enum MomentKind
{
    TransactionId,
    Time,
    Age,
}
