using Microsoft.Extensions.Logging;

namespace Vellum.Fuse;

/// <summary>The FUSE layer's log lines, event ids 1000-1099.</summary>
internal static partial class FuseLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "answered EIO to {Opcode} on {Node}: {Cause}")]
    public static partial void AnsweredEio(ILogger logger, string opcode, string node, string cause);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Distinct} distinct EIO answers logged; further ones are not")]
    public static partial void EioAnswersNoLongerLogged(ILogger logger, int distinct);
}
