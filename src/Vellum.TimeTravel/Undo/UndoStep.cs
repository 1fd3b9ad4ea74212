using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.TimeTravel.Undo;

/// <summary>A transaction to undo, with what its operations' UNDO leaves to the journal's earlier records.</summary>
internal sealed record UndoStep(TransactionEntry Transaction, IReadOnlyList<UndoOperation> Operations);

/// <summary>
/// One operation to undo. <see cref="Replaced"/>: a rename replaced an object at its new
/// name (its UNDO describes it). <see cref="OtherName"/>: the removed or replaced object had
/// this other name then, which it gets back as a hard link. <see cref="Unchanged"/>: the
/// operation changed nothing in a replica (a rename between two names of one inode, a change
/// to a file that had no name left).
/// </summary>
internal sealed record UndoOperation(JournalOperation Operation, bool Replaced, byte[]? OtherName, bool Unchanged);
