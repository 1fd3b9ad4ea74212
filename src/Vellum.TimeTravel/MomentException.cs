namespace Vellum.TimeTravel;

/// <summary>A MOMENT that does not parse, or names a state the store cannot restore exactly; the message says which moments it can.</summary>
public sealed class MomentException(string message, bool pastDamage = false) : Exception(message)
{
    /// <summary>The moment is past damage in the store (the message names the segment and offset): the data needs repair, the command line is not wrong.</summary>
    public bool PastDamage { get; } = pastDamage;
}
