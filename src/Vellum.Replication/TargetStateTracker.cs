using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Vellum.Replication;

/// <summary>
/// A sender's knowledge of its target (<see cref="ReplicationTargetState"/>), kept as sessions
/// start, acknowledge and end, and logged once per change: a warning when the target goes bad
/// (unreachable, refusing, authentication failed, its disk full, its mirror stopped), a line of
/// information when it recovers; a retry in the same condition is a debug line only.
/// </summary>
internal sealed class TargetStateTracker(ReplicationTarget target, Guid journalId, ILogger logger, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private ReplicationTargetState _state = new(TargetCondition.Connecting, clock.GetUtcNow(), null, null, 0, 0, -1, -1, 0, 0, null);

    /// <summary>The durable position the target had acknowledged when a closing note of protocol version 2 said its disk was full.</summary>
    private long _durableWhenFull = -1;

    public ReplicationTargetState State
    {
        get
        {
            lock (_lock)
                return _state;
        }
    }

    public void Attempting()
    {
        lock (_lock)
            _state = _state with { Attempts = _state.Attempts + 1, NextAttempt = null };
    }

    /// <summary>A session was accepted: the target is connected, unless it said its disk is full and has not said otherwise since.</summary>
    public void Accepted(ushort protocol, long resume, long durable)
    {
        lock (_lock)
        {
            var before = _state;
            _state = _state with
            {
                Protocol = protocol,
                AcknowledgedDurable = durable,
                // A target that speaks no state now says nothing of what an earlier one said.
                Report = protocol < WireFormat.TargetStateVersion ? null : _state.Report,
            };
            if (protocol < WireFormat.TargetStateVersion && before.Protocol != protocol)
                ReplicationLog.OlderTarget(logger, target, protocol);
            if (_state.Condition == TargetCondition.DiskFull)
            {
                ReplicationLog.ReplicatingAgain(logger, journalId, target, resume);
                return;
            }
            ReplicationLog.Replicating(logger, journalId, target, resume);
            Become(TargetCondition.Connected, null);
        }
    }

    public void Acknowledged(Acknowledgement ack)
    {
        lock (_lock)
        {
            var before = _state.Report;
            _state = _state with
            {
                AcknowledgedDurable = ack.Durable,
                Received = ack.Received,
                TargetTransactionId = ack.TransactionId,
                MirrorApplied = ack.Applied,
                Report = ack.Report,
            };
            LogMirrorChange(before, ack.Report);
            var room = ack.Report is { } report ? !report.DiskFull : ack.Durable > _durableWhenFull;
            if (_state.Condition == TargetCondition.DiskFull && room)
                Become(TargetCondition.Connected, null);
        }
    }

    /// <summary>The session ended, or could not start, in <paramref name="condition"/> for <paramref name="problem"/>; the next attempt is after <paramref name="backoff"/>.</summary>
    public void Failed(TargetCondition condition, string problem, TimeSpan backoff)
    {
        lock (_lock)
        {
            if (condition == TargetCondition.DiskFull)
                _durableWhenFull = _state.AcknowledgedDurable;
            var changed = Become(condition, problem);
            _state = _state with { NextAttempt = clock.GetUtcNow() + backoff };
            if (changed)
                ReplicationLog.Retrying(logger, target, problem, backoff, WayOut(_state));
            else
                ReplicationLog.RetryingAgain(logger, target, problem, backoff);
        }
    }

    /// <summary>This side stopped for a fault of its own: no next attempt.</summary>
    public void Stopped(string problem)
    {
        lock (_lock)
        {
            Become(TargetCondition.Stopped, problem);
            _state = _state with { NextAttempt = null };
        }
    }

    private static string WayOut(ReplicationTargetState state) => state.WayOut is { } way ? $" ({way})" : "";

    /// <summary>Moves to <paramref name="condition"/>; true when that is a change (a recovery is logged here, a failure by the caller).</summary>
    private bool Become(TargetCondition condition, string? problem)
    {
        var before = _state;
        var now = clock.GetUtcNow();
        _state = _state with { LastError = problem ?? before.LastError };
        if (before.Condition == condition)
            return false;
        _state = _state with { Condition = condition, Since = now };
        if (condition == TargetCondition.Connected && before.Condition != TargetCondition.Connecting)
        {
            ReplicationLog.Recovered(logger, target, before.Name,
                (now - before.Since).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), before.LastError ?? "");
        }
        return true;
    }

    private void LogMirrorChange(TargetReport? before, TargetReport? now)
    {
        var stoppedBefore = before is { Mirror: TargetMirrorState.Stopped };
        switch (now)
        {
            case { Mirror: TargetMirrorState.Stopped } stopped when !stoppedBefore || before!.Value.MirrorProblem != stopped.MirrorProblem:
                ReplicationLog.TargetMirrorStopped(logger, target, journalId, stopped.MirrorProblem ?? "", _state.MirrorApplied);
                break;
            case { Mirror: TargetMirrorState.Following } when stoppedBefore:
                ReplicationLog.TargetMirrorRunning(logger, target, journalId);
                break;
        }
    }
}
