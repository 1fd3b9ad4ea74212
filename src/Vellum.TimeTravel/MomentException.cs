namespace Vellum.TimeTravel;

/// <summary>A MOMENT that does not parse, or names a state the store cannot restore exactly; the message says which moments it can.</summary>
public sealed class MomentException(string message) : Exception(message);
