"""API tokens: one membership each, hashed, shown once, expiring, revocable by
the owner and the agency admin; the session API needs the second factor."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken
from agencies.models import Role
from audit.models import AuditEvent
from tests.accounts.conftest import english, full_sign_in
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def me(secret, keyword="Bearer"):
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"{keyword} {secret}")


def test_a_token_is_made_with_the_second_factor_shown_once_and_stored_hashed(clock, police, alice):
    at_police = MembershipFactory(user=alice.user, agency=police, role=Role.ANALYST)
    web = full_sign_in(english(Client()), alice.user, clock)
    response = web.post(reverse("accounts:token_create"), {"name": "export", "membership": at_police.pk})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    assert token.expires_at == clock.now + timedelta(days=90)
    # Never shown again.
    assert secret not in web.get(reverse("accounts:profile")).content.decode()
    assert AuditEvent.objects.filter(action="api_token.create", target_id=str(token.pk)).exists()

    # The token acts for its membership, not the session's choice.
    data = me(secret).json()
    assert data["authentication"] == "token"
    assert data["membership"]["id"] == at_police.pk
    assert data["membership"]["agency"]["code"] == police.code
    assert [m["id"] for m in data["memberships"]] == [at_police.pk]
    assert me(secret, "Token").status_code == 200


def test_request_membership_is_the_tokens(clock, alice):
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import MembershipTokenAuthentication

    _, secret = services.api_token_create(actor=alice.user, membership=alice, name="x", second_factor_verified=True)
    factory_request = APIRequestFactory().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    from rest_framework.request import Request

    request = Request(factory_request, authenticators=[MembershipTokenAuthentication()])
    assert request.user == alice.user
    assert factory_request.membership == alice
    assert factory_request.memberships == [alice]


def test_expired_revoked_and_malformed_tokens_are_refused(clock, alice):
    _, secret = services.api_token_create(actor=alice.user, membership=alice, name="x", second_factor_verified=True)
    assert me(secret).status_code == 200
    assert me("dpk_not-a-real-token").status_code == 401
    assert me("nonsense").status_code == 401
    assert me(secret + "x").status_code == 401
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer a b")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")

    clock.advance(90 * 24 * 3600 + 1)
    assert me(secret).status_code == 401


def test_the_owner_and_the_agency_admin_revoke_others_cannot(clock, uptd, alice, charlie):
    agency_admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    police_admin = MembershipFactory(agency=charlie.agency, role=Role.AGENCY_ADMIN)
    token, secret = services.api_token_create(actor=alice.user, membership=alice, name="x", second_factor_verified=True)
    url = reverse("accounts:token_revoke", args=[token.pk])

    # An outsider (another agency's admin, or a colleague) gets a 404, audited.
    for outsider in (police_admin, MembershipFactory(agency=uptd, role=Role.CASEWORKER)):
        assert sign_in(Client(), outsider.user, membership=outsider).post(url).status_code == 404
        assert AuditEvent.objects.filter(
            action="accounts.access_denied", actor_id=outsider.user.pk, target_type="api_token"
        ).exists()
    assert me(secret).status_code == 200

    # The agency admin sees it on the person's page and revokes it.
    admin_client = sign_in(Client(), agency_admin.user, membership=agency_admin)
    assert "x" in admin_client.get(reverse("accounts:person_detail", args=[alice.user.pk])).content.decode()
    assert admin_client.post(url).status_code == 302
    assert me(secret).status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.actor_id, event.target_id) == (agency_admin.user.pk, str(token.pk))

    # The owner revokes her own.
    _, second = services.api_token_create(actor=alice.user, membership=alice, name="y", second_factor_verified=True)
    own = ApiToken.objects.get(name="y")
    sign_in(Client(), alice.user, membership=alice).post(reverse("accounts:token_revoke", args=[own.pk]))
    assert me(second).status_code == 401


def test_nobody_makes_a_token_for_someone_elses_membership(clock, alice, charlie):
    with pytest.raises(services.AccountError):
        services.api_token_create(actor=alice.user, membership=charlie, name="x", second_factor_verified=True)
    web = full_sign_in(english(Client()), alice.user, clock)
    response = web.post(reverse("accounts:token_create"), {"name": "x", "membership": charlie.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["membership"]
    assert not ApiToken.objects.exists()


def test_the_session_api_needs_the_second_factor(clock, alice):
    password_only = Client()
    password_only.force_login(alice.user)
    assert password_only.get("/api/v1/me/").status_code in (401, 403)
    verified = sign_in(Client(), alice.user, membership=alice)
    data = verified.get("/api/v1/me/").json()
    assert data["authentication"] == "session"
    assert data["two_factor_verified"] is True
    assert data["membership"]["id"] == alice.pk


@override_settings(TWO_FACTOR_REQUIRED=False, DEMO_MODE=True)
def test_an_administrator_without_membership_is_told_so(clock):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    data = sign_in(Client(), root).get("/api/v1/me/").json()
    assert data["membership"] is None
