"""The demo logins. All share one password, printed by `make run`."""

from django.contrib.auth import get_user_model

from accounts.services import membership_create
from agencies.models import Agency, Membership, Role

DEMO_PASSWORD = "Depok-Demo-2026"

# (username, full name, [(agency code, role), …])
DEMO_ACCOUNTS = [
    ("caseworker.uptd", "Demo Pendamping UPTD", [("uptd-ppa", Role.CASEWORKER)]),
    ("supervisor.uptd", "Demo Manajer Kasus UPTD", [("uptd-ppa", Role.SUPERVISOR)]),
    ("caseworker.polres", "Demo Penyidik PPA", [("polres-ppa", Role.CASEWORKER)]),
    ("supervisor.polres", "Demo Kanit PPA", [("polres-ppa", Role.SUPERVISOR)]),
    ("counsellor.puspaga", "Demo Konselor Puspaga", [("puspaga-harmoni", Role.CASEWORKER)]),
    (
        "officer.puspaga",
        "Demo Pengelola Program",
        [("puspaga-harmoni", Role.PROGRAM_OFFICER), ("forum-anak", Role.PROGRAM_OFFICER)],
    ),
    ("analyst.dp3ap2kb", "Demo Analis DP3AP2KB", [("dp3ap2kb", Role.ANALYST)]),
    ("analyst.kemenkopmk", "Demo Analis Kemenko PMK", [("kemenko-pmk", Role.ANALYST)]),
    ("admin.uptd", "Demo Admin Akun UPTD", [("uptd-ppa", Role.AGENCY_ADMIN)]),
]


def _user(username: str, full_name: str, **flags):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _, last = full_name.partition(" ")
        user = User(username=username, first_name=first, last_name=last, **flags)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(stdout) -> None:
    _user("admin", "Demo Administrator", is_staff=True, is_superuser=True)
    for username, full_name, memberships in DEMO_ACCOUNTS:
        user = _user(username, full_name)
        for agency_code, role in memberships:
            agency = Agency.objects.get(code=agency_code)
            if not Membership.objects.filter(user=user, agency=agency).exists():
                membership_create(actor_id=None, user=user, agency=agency, role=role)
    stdout.write(f"Demo accounts: admin and {len(DEMO_ACCOUNTS)} others, password {DEMO_PASSWORD}.")
