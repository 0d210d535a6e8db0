import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from agencies.models import Agency, Membership, Role

pytestmark = pytest.mark.django_db

DEMO_LOGINS = [
    "admin",
    "caseworker.uptd",
    "supervisor.uptd",
    "caseworker.polres",
    "supervisor.polres",
    "counsellor.puspaga",
    "officer.puspaga",
    "analyst.dp3ap2kb",
    "analyst.kemenkopmk",
    "admin.uptd",
]


def test_seed_demo_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(username="admin").exists()


@override_settings(DEBUG=True)
def test_seed_demo_builds_the_network_and_logins_once():
    call_command("seed_demo")
    call_command("seed_demo")
    User = get_user_model()
    assert set(User.objects.filter(username__in=DEMO_LOGINS).values_list("username", flat=True)) == set(DEMO_LOGINS)
    for username in DEMO_LOGINS:
        assert User.objects.get(username=username).check_password("Depok-Demo-2026")
    assert Agency.objects.filter(receives_referrals=True).count() == 5
    assert not Agency.objects.filter(kind__in=["forum", "ministry"], receives_referrals=True).exists()
    counsellor = Membership.objects.get(user__username="counsellor.puspaga")
    assert (counsellor.agency.code, counsellor.role) == ("puspaga-harmoni", Role.CASEWORKER)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and not admin.memberships.exists()
    # Joining an agency puts the person in the agency's group, and only that.
    supervisor = User.objects.get(username="supervisor.uptd")
    assert list(supervisor.groups.values_list("agency__code", flat=True)) == ["uptd-ppa"]
    assert not supervisor.user_permissions.exists()
