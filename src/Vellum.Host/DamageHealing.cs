using Microsoft.Extensions.Logging;
using Vellum.Replication;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// A replicating mount heals its own journal: a sealed segment its scrub finds damaged is
/// repaired from the first target whose copy holds the damaged bytes and makes the segment
/// verify whole (a fetch session, docs/replication.md), on the scrub's thread. A target that
/// does not hold them (it was behind when the damage happened, or its copy is damaged too)
/// changes nothing; the scrub asks again at its next check.
/// </summary>
internal sealed class DamageHealing(string directory, MountReplication replication, ILogger logger)
{
    private readonly HashSet<(string Segment, string Target)> _told = [];

    public bool Heal(SegmentVerification segment)
    {
        foreach (var sender in replication.Senders)
        {
            var target = sender.Target.ToString();
            string why;
            try
            {
                var copy = new RemoteStoreCopy(sender.Target, replication.Secret);
                SegmentRepairOutcome outcome;
                try
                {
                    outcome = StoreRepair.RepairFromAsync(directory, segment, isSealed: true, copy).GetAwaiter().GetResult();
                }
                finally
                {
                    copy.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                if (outcome.Repaired)
                {
                    HostLog.DamageHealed(logger, segment.File, target);
                    return true;
                }
                why = string.Join("; ", outcome.Refusals);
            }
            catch (StoreRepairException failed)
            {
                why = failed.Message;
            }
            if (_told.Add((segment.File, target)))
                HostLog.DamageNotHealed(logger, segment.File, target, why);
        }
        return false;
    }
}
