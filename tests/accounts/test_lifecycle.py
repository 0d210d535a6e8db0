"""Account lifecycle: agency admins manage their own agency only (another
agency's person is a 404, audited); administrators manage everyone; every
change is in the audit trail."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import AccountState
from agencies.models import Membership, Role
from audit.models import AuditEvent
from tests.accounts.conftest import english, password_step
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def uptd_admin(uptd):
    return MembershipFactory(user=UserFactory(username="admin-uptd"), agency=uptd, role=Role.AGENCY_ADMIN)


@pytest.fixture
def admin_client(uptd_admin):
    return english(sign_in(Client(), uptd_admin.user, membership=uptd_admin))


@pytest.fixture
def administrator():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_an_agency_admin_creates_an_account_in_their_agency(clock, uptd, uptd_admin, admin_client):
    form = admin_client.get(reverse("accounts:person_create"))
    assert form.status_code == 200
    response = admin_client.post(
        reverse("accounts:person_create"),
        {"username": "dewi.uptd", "first_name": "Dewi", "last_name": "S", "agency": uptd.pk, "role": Role.CASEWORKER},
    )
    assert response.status_code == 200
    temporary = response.context["password"]
    assert temporary in response.content.decode()
    person = User.objects.get(username="dewi.uptd")
    membership = Membership.objects.get(user=person)
    assert (membership.agency, membership.role) == (uptd, Role.CASEWORKER)
    assert person.groups.filter(pk=uptd.group_id).exists()
    assert AccountState.objects.get(user=person).must_change_password
    for action, target in (("account.create", person.pk), ("membership.create", membership.pk)):
        event = AuditEvent.objects.get(action=action)
        assert (event.actor_id, event.target_id, event.agency_id) == (uptd_admin.user.pk, str(target), uptd.pk)
    # Nobody's name goes into the audit details.
    assert "Dewi" not in str(list(AuditEvent.objects.values_list("details", flat=True)))

    # First sign-in: second factor first, then their own password.
    web = english(Client())
    assert password_step(web, "dewi.uptd", temporary)["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_the_create_form_keeps_input_and_says_what_is_wrong(uptd, alice, admin_client):
    response = admin_client.post(
        reverse("accounts:person_create"),
        {"username": "ALICE", "first_name": "Another", "last_name": "", "agency": uptd.pk, "role": Role.CASEWORKER},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "taken" in form.errors["username"][0]
    assert form["first_name"].value() == "Another"


def test_an_agency_admin_cannot_create_accounts_in_another_agency(police, admin_client):
    response = admin_client.post(
        reverse("accounts:person_create"),
        {"username": "sneaky", "first_name": "S", "agency": police.pk, "role": Role.CASEWORKER},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["agency"]
    assert not User.objects.filter(username="sneaky").exists()


def test_an_agency_admin_cannot_touch_another_agencys_accounts(uptd_admin, admin_client, charlie):
    person = charlie.user
    attempts = [
        ("get", reverse("accounts:person_detail", args=[person.pk]), {}),
        ("post", reverse("accounts:person_password_reset", args=[person.pk]), {}),
        ("post", reverse("accounts:person_two_factor_reset", args=[person.pk]), {}),
        ("post", reverse("accounts:person_account_active", args=[person.pk]), {"active": "0"}),
        (
            "post",
            reverse("accounts:person_membership_role", args=[person.pk, charlie.pk]),
            {f"m{charlie.pk}-role": "supervisor"},
        ),
        ("post", reverse("accounts:person_membership_active", args=[person.pk, charlie.pk]), {"active": "0"}),
    ]
    for method, url, data in attempts:
        response = getattr(admin_client, method)(url, data)
        assert response.status_code == 404, url
    # Exactly like a person who does not exist.
    assert admin_client.get(reverse("accounts:person_detail", args=[999999])).status_code == 404
    denied = AuditEvent.objects.filter(action="accounts.access_denied", actor_id=uptd_admin.user.pk)
    assert denied.filter(target_type="user", target_id=str(person.pk)).count() == len(attempts)
    person.refresh_from_db()
    charlie.refresh_from_db()
    assert person.is_active and charlie.is_active and charlie.role == Role.CASEWORKER
    assert person.check_password("a-long-test-password-2026")
    # Not listed either.
    assert "charlie" not in admin_client.get(reverse("accounts:agency_people")).content.decode()


def test_an_agency_admin_cannot_reach_another_agencys_membership_through_a_shared_person(
    uptd, police, uptd_admin, admin_client
):
    both = UserFactory(username="both")
    MembershipFactory(user=both, agency=uptd, role=Role.CASEWORKER)
    at_police = MembershipFactory(user=both, agency=police, role=Role.CASEWORKER)
    url = reverse("accounts:person_membership_active", args=[both.pk, at_police.pk])
    assert admin_client.post(url, {"active": "0"}).status_code == 404
    at_police.refresh_from_db()
    assert at_police.is_active
    # Account-wide actions on a person who also works elsewhere are the administrator's.
    assert admin_client.post(reverse("accounts:person_password_reset", args=[both.pk])).status_code == 403
    page = admin_client.get(reverse("accounts:person_detail", args=[both.pk])).content.decode()
    assert police.name not in page


def test_an_agency_admin_changes_roles_and_turns_memberships_off_and_on(uptd_admin, admin_client, alice):
    url = reverse("accounts:person_membership_role", args=[alice.user.pk, alice.pk])
    assert admin_client.post(url, {f"m{alice.pk}-role": Role.SUPERVISOR}).status_code == 302
    alice.refresh_from_db()
    assert alice.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(action="membership.role_change")
    assert event.details["from"] == Role.CASEWORKER and event.details["to"] == Role.SUPERVISOR
    assert event.actor_id == uptd_admin.user.pk

    active_url = reverse("accounts:person_membership_active", args=[alice.user.pk, alice.pk])
    admin_client.post(active_url, {"active": "0"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert not alice.user.groups.filter(pk=alice.agency.group_id).exists()
    admin_client.post(active_url, {"active": "1"})
    alice.refresh_from_db()
    assert alice.is_active
    assert list(
        AuditEvent.objects.filter(action__startswith="membership.")
        .exclude(action="membership.role_change")
        .values_list("action", flat=True)
    ) == ["membership.deactivate", "membership.reactivate"]


def test_an_agency_admin_cannot_change_their_own_membership(uptd_admin, admin_client):
    url = reverse("accounts:person_membership_role", args=[uptd_admin.user.pk, uptd_admin.pk])
    assert admin_client.post(url, {f"m{uptd_admin.pk}-role": Role.SUPERVISOR}).status_code == 403


def test_an_agency_admin_resets_a_password_audited(clock, uptd_admin, admin_client, alice):
    response = admin_client.post(reverse("accounts:person_password_reset", args=[alice.user.pk]))
    assert response.status_code == 200
    alice.user.refresh_from_db()
    assert alice.user.check_password(response.context["password"])
    event = AuditEvent.objects.get(action="account.password_reset")
    assert (event.actor_id, event.target_id) == (uptd_admin.user.pk, str(alice.user.pk))
    assert response.context["password"] not in str(event.details)


def test_other_roles_manage_nobody(client_for, alice):
    assert client_for(alice).get(reverse("accounts:agency_people")).status_code == 403
    assert client_for(alice).post(reverse("accounts:person_password_reset", args=[alice.user.pk])).status_code == 403


def test_administrators_manage_every_agency(clock, administrator, uptd, police, charlie):
    web = english(sign_in(Client(), administrator))
    listing = web.get(reverse("accounts:agency_people"))
    assert listing.status_code == 200
    assert "charlie" in listing.content.decode()
    assert web.get(reverse("accounts:agency_people"), {"agency": uptd.pk}).status_code == 200

    web.post(reverse("accounts:person_membership_add", args=[charlie.user.pk]), {"agency": uptd.pk, "role": "analyst"})
    assert Membership.objects.filter(user=charlie.user, agency=uptd, role="analyst").exists()
    web.post(reverse("accounts:person_account_active", args=[charlie.user.pk]), {"active": "0"})
    charlie.user.refresh_from_db()
    assert not charlie.user.is_active
    event = AuditEvent.objects.get(action="account.deactivate")
    assert (event.actor_id, event.agency_id) == (administrator.pk, None)


def test_my_account_shows_memberships_sign_ins_devices_and_tokens(clock, alice):
    from tests.accounts.conftest import full_sign_in

    web = full_sign_in(english(Client()), alice.user, clock)
    web.post(reverse("accounts:token_create"), {"name": "monthly export", "membership": alice.pk})
    page = web.get(reverse("accounts:profile"))
    assert page.status_code == 200
    body = page.content.decode()
    assert alice.agency.name in body
    assert "monthly export" in body
    assert "Second factor accepted" in body and "Password accepted" in body
    assert "Recovery codes left" in body


def test_a_temporary_password_must_be_replaced_before_anything_else(clock, uptd, uptd_admin, admin_client, alice):
    from tests.accounts.conftest import confirmed_device, totp_code

    device = confirmed_device(alice.user)
    temporary = admin_client.post(reverse("accounts:person_password_reset", args=[alice.user.pk])).context["password"]
    clock.advance(1)
    web = english(Client())
    password_step(web, "alice", temporary)
    web.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device, clock)})
    for url in (reverse("home"), reverse("accounts:profile")):
        assert web.get(url)["Location"].startswith(reverse("accounts:password_change")), url
    assert web.get("/api/v1/me/").status_code == 403
    page = web.get(reverse("accounts:password_change"))
    assert "temporary password" in page.content.decode()
    new = "my-own-long-passphrase-2026"
    response = web.post(
        reverse("accounts:password_change"),
        {"old_password": temporary, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert web.get(reverse("home")).status_code == 200
    assert not AccountState.objects.get(user=alice.user).must_change_password
