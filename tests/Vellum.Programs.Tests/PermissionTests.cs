namespace Vellum.Programs.Tests;

/// <summary>Another user than root, through setpriv: what the modes and ACLs forbid stays forbidden, what ACLs grant is granted, and a write clears set-user-ID.</summary>
public sealed class PermissionTests(PlainRuns plainRuns) : IClassFixture<PlainRuns>
{
    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Another_user_is_held_to_the_modes_and_its_write_clears_set_user_and_group_id(Place place) => Scenarios.Check(place, OtherUser, plainRuns);

    [Theory]
    [MemberData(nameof(Places.All), MemberType = typeof(Places))]
    public void Access_acls_grant_and_deny_another_user_and_default_acls_are_inherited(Place place) => Scenarios.Check(place, Acls, plainRuns);

    private const string AsNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all";

    private static readonly Scenario OtherUser = new(nameof(OtherUser), workspace =>
    {
        workspace.Sh($$"""
            printf 'secret\n' > private
            chmod 600 private
            printf 'public\n' > public
            chmod 644 public
            mkdir shared locked
            chmod 1777 shared
            chmod 700 locked
            printf '#!/bin/sh\necho ran\n' > setuid-tool
            chmod 4777 setuid-tool
            {{AsNobody}} cat public
            {{AsNobody}} cat private 2>&1 || echo "refused: exit $?"
            {{AsNobody}} sh -c 'echo more >> public' 2>&1 || echo "refused: exit $?"
            {{AsNobody}} ls locked 2>&1 || echo "refused: exit $?"
            {{AsNobody}} touch locked/x 2>&1 || echo "refused: exit $?"
            {{AsNobody}} sh -c 'echo mine > shared/nobodys && stat -c "%U %a" shared/nobodys'
            {{AsNobody}} rm shared/nobodys
            touch shared/roots
            {{AsNobody}} rm -f shared/roots 2>&1 || echo "sticky: exit $?"
            {{AsNobody}} sh -c 'echo appended >> setuid-tool'
            printf 'x\n' > setgid-no-group-exec
            chmod 2767 setgid-no-group-exec
            {{AsNobody}} sh -c 'echo appended >> setgid-no-group-exec'
            stat -c '%n %a %U' setuid-tool setgid-no-group-exec private public shared/roots
            {{AsNobody}} chmod 666 private 2>&1 || echo "refused: exit $?"
            stat -c '%a' private
            """);
    });

    private static readonly Scenario Acls = new(nameof(Acls), workspace =>
    {
        workspace.Sh($$"""
            printf 'denied\n' > denied
            chmod 644 denied
            setfacl -m u:65534:--- denied
            printf 'granted\n' > granted
            chmod 600 granted
            setfacl -m u:65534:r granted
            stat -c '%n %a' denied granted
            getfacl -c denied granted
            {{AsNobody}} cat denied 2>&1 || echo "refused: exit $?"
            {{AsNobody}} cat granted 2>&1 || echo "refused: exit $?"
            mkdir inherits
            setfacl -d -m u:65534:rwx inherits
            touch inherits/file
            mkdir inherits/dir
            getfacl -c inherits/file inherits/dir
            {{AsNobody}} sh -c 'echo by-nobody > inherits/file' 2>&1 || echo "refused: exit $?"
            setfacl -b granted
            stat -c '%n %a' granted
            {{AsNobody}} cat granted 2>&1 || echo "refused: exit $?"
            """);
    });
}
