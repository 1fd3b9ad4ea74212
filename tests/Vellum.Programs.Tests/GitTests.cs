namespace Vellum.Programs.Tests;

/// <summary>git: clone (local with hard links, and through a pack), commit, gc --aggressive, fsck --strict.</summary>
public sealed class GitTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Git_clones_commits_repacks_and_finds_the_repository_sound(Place place) => Scenarios.Check(place, Git, plainRuns);

    /// <summary>A .git directory's index holds inode numbers and times of the place: only git's own verdicts are compared.</summary>
    private static readonly Scenario Git = new(nameof(Git), workspace =>
    {
        workspace.Sh("""
            git init -q -b main source
            cd source
            printf 'hello\n' > README
            mkdir lib
            seq 1 2000 > lib/numbers
            ln -s README link
            git add -A
            git commit -q -m first
            for i in 1 2 3 4 5; do seq "$i" 3000 > "lib/n$i"; git add -A; git commit -q -m "commit $i"; done
            git log --format='%H %s'
            """);
        workspace.Sh("""
            git clone -q source clone
            git clone -q --no-local source packed
            cd clone
            printf 'more\n' >> README
            git commit -q -am change
            git gc --aggressive --quiet
            git fsck --strict --no-progress
            git status --porcelain
            git rev-parse HEAD
            git ls-files -s
            cd ../packed
            git fsck --strict --no-progress
            git pull -q ../clone main
            git rev-parse HEAD
            git status --porcelain
            """);
        Assert.Equal("", workspace.Sh("cd clone && git status --porcelain && cd ../packed && git status --porcelain"));
    }, Skip: path => Path.GetFileName(path) == ".git");
}
