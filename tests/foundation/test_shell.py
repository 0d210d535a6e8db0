"""The page shell: navigation per role, the active membership, the no-membership page."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Role
from audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def nav_urls(response) -> list[str]:
    return [item["url"] for item in response.context["navigation"]]


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_home_and_navigation(client_for, uptd, role):
    membership = MembershipFactory(agency=uptd, role=role)
    response = client_for(membership).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["active_membership"] == membership
    urls = nav_urls(response)
    assert reverse("home") in urls
    assert reverse("admin:index") not in urls
    assert uptd.name in response.content.decode()


def test_only_an_agency_admin_sees_the_agency_accounts_entry(client_for, uptd):
    agency_admin = MembershipFactory(agency=uptd, role=Role.AGENCY_ADMIN)
    caseworker = MembershipFactory(agency=uptd, role=Role.CASEWORKER)
    people_url = reverse("accounts:agency_people")
    assert people_url in nav_urls(client_for(agency_admin).get(reverse("home")))
    assert people_url not in nav_urls(client_for(caseworker).get(reverse("home")))


def test_an_administrator_without_membership_gets_the_administration():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = sign_in(Client(), admin).get(reverse("home"))
    assert response.status_code == 200
    assert reverse("admin:index") in nav_urls(response)


def test_a_person_without_an_active_membership_sees_nothing_but_that(uptd):
    lapsed = MembershipFactory(agency=uptd, role=Role.CASEWORKER, is_active=False)
    client = sign_in(Client(), lapsed.user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "tidak sedang bertindak untuk lembaga mana pun" in page
    assert uptd.name not in page
    assert response.context["navigation"] == []


def test_a_membership_of_a_deactivated_agency_is_not_usable(uptd):
    membership = MembershipFactory(agency=uptd, role=Role.CASEWORKER)
    uptd.is_active = False
    uptd.save()
    response = sign_in(Client(), membership.user).get(reverse("home"))
    assert response.status_code == 403


def test_switching_the_active_membership_changes_what_is_shown(uptd, police):
    person = UserFactory(username="dual")
    at_uptd = MembershipFactory(user=person, agency=uptd, role=Role.CASEWORKER)
    at_police = MembershipFactory(user=person, agency=police, role=Role.AGENCY_ADMIN)
    client = sign_in(Client(), person, membership=at_uptd)

    before = client.get(reverse("home"))
    assert before.context["active_membership"] == at_uptd
    assert reverse("accounts:agency_people") not in nav_urls(before)

    response = client.post(reverse("accounts:switch_membership"), {"membership": at_police.pk})
    assert response.status_code == 302

    after = client.get(reverse("home"))
    assert after.context["active_membership"] == at_police
    assert reverse("accounts:agency_people") in nav_urls(after)
    assert AuditEvent.objects.filter(
        action="membership.switch", target_id=str(at_police.pk), actor_id=person.pk
    ).exists()


def test_nobody_can_switch_to_someone_elses_membership(alice, charlie):
    client = sign_in(Client(), alice.user, membership=alice)
    response = client.post(reverse("accounts:switch_membership"), {"membership": charlie.pk})
    assert response.status_code == 400
    assert client.get(reverse("home")).context["active_membership"] == alice


def test_pages_carry_an_enforced_self_only_content_security_policy(client_for, alice):
    response = client_for(alice).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert "<script>" not in page
    assert "style=" not in page


def test_the_admin_registers_no_case_data():
    from django.contrib import admin

    registered_apps = {model._meta.app_label for model in admin.site._registry}
    assert not registered_apps & {"cases", "referrals"}


def test_health_reports_database_and_broker(client, settings):
    # Without REDIS_URL tasks run in the web process; with it, the broker is pinged.
    expected_broker = "ok" if settings.REDIS_URL else "eager"
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": expected_broker}


def test_health_fails_loudly_when_the_broker_is_unreachable(client, settings, monkeypatch):
    from depok_cases.celery import app

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(app.conf, "broker_url", settings.REDIS_URL)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["broker"] == "fail"
