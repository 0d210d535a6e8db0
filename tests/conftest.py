"""Shared fixtures. Personas after Healthchecks: alice works in the owning
agency, bob is her supervisor, charlie works in another agency (the outsider)."""

import pytest
from django.test import Client

from agencies.middleware import SESSION_KEY
from agencies.models import Role
from tests.factories import AgencyFactory, MembershipFactory, UserFactory


def sign_in(client: Client, user, *, membership=None) -> Client:
    """Sign ``user`` in the way production does: password and a verified
    second factor, acting for ``membership`` when given."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if membership is not None:
        session[SESSION_KEY] = membership.pk
    session.save()
    return client


@pytest.fixture
def uptd(db):
    return AgencyFactory(code="uptd-test", name="UPTD PPA Test")


@pytest.fixture
def police(db):
    return AgencyFactory(code="police-test", name="Unit PPA Test", kind="police")


@pytest.fixture
def alice(uptd):
    return MembershipFactory(user=UserFactory(username="alice"), agency=uptd, role=Role.CASEWORKER)


@pytest.fixture
def bob(uptd):
    return MembershipFactory(user=UserFactory(username="bob"), agency=uptd, role=Role.SUPERVISOR)


@pytest.fixture
def charlie(police):
    return MembershipFactory(user=UserFactory(username="charlie"), agency=police, role=Role.CASEWORKER)


@pytest.fixture
def client_for():
    """``client_for(membership)`` → a client signed in acting for it."""

    def make(membership) -> Client:
        return sign_in(Client(), membership.user, membership=membership)

    return make


@pytest.fixture(autouse=True)
def _private_media_in_tmp(settings, tmp_path):
    """Stored attachments go to the test's own directory, never var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
