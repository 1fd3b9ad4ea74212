using System.Text;
using System.Text.Json;
using Vellum.Host;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `vellum diff` against what really happened through a journaled mount: each kind of change
/// once, with the exact lines; and, during a random multi-threaded workload, the diff between
/// pairs of recorded moments against the difference of the trees recorded at them.
/// </summary>
public sealed class DiffTests(ITestOutputHelper output)
{
    [Fact]
    public void Each_kind_of_change_is_reported_once_with_its_letters_following_renames_and_leaving_out_what_came_and_went()
    {
        using var workspace = new Workspace();
        string B(string name) => Path.Combine(workspace.Backing, name);
        Directory.CreateDirectory(B("docs"));
        foreach (var name in new[] { "kept.txt", "edited.txt", "chmodded.txt", "tagged.txt", "deleted.txt", "moved.txt", "moved-edited.txt", "replaced.txt", "docs/inside.txt" })
            File.WriteAllText(B(name), $"the original {name}\n");
        using var host = MountHost.Start(workspace.JournaledMount());
        Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), workspace.Log.Text);
        var before = Pause(host, workspace);
        string M(string name) => Path.Combine(workspace.MountPoint, name);
        File.AppendAllText(M("edited.txt"), "an edit\n");
        File.SetUnixFileMode(M("chmodded.txt"), UnixFileMode.UserRead);
        Assert.Equal(0, LibC.SetXattr(M("tagged.txt"), "user.tag", "red"u8.ToArray(), 0));
        File.Delete(M("deleted.txt"));
        File.Move(M("moved.txt"), M("moved-to.txt"));
        File.Move(M("moved-edited.txt"), M("moved-edited-to.txt"));
        File.AppendAllText(M("moved-edited-to.txt"), "and changed\n");
        File.Delete(M("replaced.txt"));
        File.WriteAllText(M("replaced.txt"), "another file under the same name\n");
        File.WriteAllText(M("came-and-went.txt"), "here for a moment\n");
        File.Delete(M("came-and-went.txt"));
        File.WriteAllText(M("created.txt"), "new\n");
        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, M("kept.txt"), LibCConstants.AtFdCwd, M("kept-link.txt"), 0));
        Directory.Move(M("docs"), M("papers"));
        var after = Pause(host, workspace);

        var diff = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{before}", "--to", $"txid:{after}");
        output.WriteLine(diff.ToString());
        Assert.True(diff.ExitCode == 0, diff.ToString());
        string[] expected =
        [
            "m   chmodded.txt",
            "A   created.txt",
            "D   deleted.txt",
            "M   edited.txt",
            "A   kept-link.txt",
            "RM  moved-edited.txt -> moved-edited-to.txt",
            "R   moved.txt -> moved-to.txt",
            "R   docs/ -> papers/",
            "R   docs/inside.txt -> papers/inside.txt",
            "D   replaced.txt",
            "A   replaced.txt",
            "m   tagged.txt",
        ];
        Assert.Equal(expected, diff.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"vellum diff: --from txid:{before} is txid:{before} (", diff.Error, StringComparison.Ordinal);
        Assert.Contains($"vellum diff: --to txid:{after} is txid:{after} (", diff.Error, StringComparison.Ordinal);

        // --to defaults to the newest moment; --json gives the same as JSON Lines.
        var json = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{before}", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Contains($"vellum diff: --to (the newest) is txid:{after} (", json.Error, StringComparison.Ordinal);
        var lines = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(expected.Length, lines.Count);
        var movedEdited = lines.Single(line => line.GetProperty("path").GetString() == "moved-edited-to.txt");
        Assert.Equal("RM", movedEdited.GetProperty("status").GetString());
        Assert.Equal("moved-edited.txt", movedEdited.GetProperty("old_path").GetString());
        Assert.True(movedEdited.GetProperty("content").GetBoolean());
        Assert.Equal("directory", lines.Single(line => line.GetProperty("path").GetString() == "papers").GetProperty("type").GetString());

        // The same moment on both sides: nothing; the moments the wrong way round: refused.
        var same = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{after}", "--to", $"txid:{after}");
        Assert.True(same.ExitCode == 0 && same.Output.Length == 0, same.ToString());
        var reversed = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{after}", "--to", $"txid:{before}");
        Assert.True(reversed.ExitCode == 1 && reversed.Error.Contains("give the earlier moment as --from", StringComparison.Ordinal), reversed.ToString());
        var unparsable = Vellum.Run("diff", workspace.Journal, "--from", "yesterday");
        Assert.True(unparsable.ExitCode == 1 && unparsable.Error.Contains(Moment.AcceptedForms, StringComparison.Ordinal), unparsable.ToString());
        host.Stop();
    }

    /// <summary>Every change is in the journal once an fsync of the mount's root returns and the journal is durable; returns the last transaction id.</summary>
    internal static ulong Pause(MountHost host, Workspace workspace)
    {
        var root = LibC.Open(workspace.MountPoint, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        Assert.True(root >= 0, $"cannot open the mount's root: {LibC.LastError().Text}");
        try
        {
            Assert.Equal(0, LibC.FSync(root));
        }
        finally
        {
            LibC.Close(root);
        }
        Assert.True(Poll.Until(() => host.Journal!.Status() is { FifoBytesInUse: 0 } status && status.DurablePosition == status.WrittenPosition, Workspace.Patience), "the journal did not become durable");
        return host.Journal!.Status().LastTransactionId;
    }
}
