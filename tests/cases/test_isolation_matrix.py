"""Every case route × every kind of caller → the expected answer.

Outsiders (another agency, an analyst of the owning agency, no membership,
anonymous, a superuser) never see a case: 404 — or 403 before the gate when
they act for no membership — and the attempt is in the audit trail. A limited
grant reads only what its level allows and writes only services. A test
walks the URL resolver: a new case route without a row here fails."""

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.cases.conftest import NO_ACTOR, OUTSIDERS, ROLES
from tests.cases.conftest import client_as as _client

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate().isoformat()


# route name → {method: (body builder, {role: status})}. Roles not named get
# 404 (outsiders) or 403 (no acting membership) on case routes.
def _matrix():
    read_all = {"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 200}
    read_full = {"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 403}
    owner_write = {"owner_caseworker": 201, "owner_supervisor": 201, "limited_grant": 403}
    owner_change = {"owner_caseworker": 200, "owner_supervisor": 200, "limited_grant": 403}
    return {
        "case-detail": {
            "GET": (None, read_all),
            "PATCH": (lambda w: {"risk": "TINGGI"}, owner_change),
        },
        "case-transition": {"POST": (lambda w: {"transition": "start_assessment"}, owner_change)},
        "case-assignments": {
            "PUT": (
                lambda w: {"membership_ids": [w["owner_caseworker"].pk]},
                {"owner_caseworker": 403, "owner_supervisor": 200, "limited_grant": 403},
            )
        },
        "case-persons": {
            "GET": (None, read_all),
            "POST": (lambda w: {"roles": ["witness"], "name": "Contoh Saksi 001", "estimated_age": 40}, owner_write),
        },
        "case-person": {
            "GET": (None, read_all),
            "PATCH": (lambda w: {"safe_to_call": True}, owner_change),
        },
        "case-relations": {
            "POST": (
                lambda w: {
                    "victim_party_id": w["victim"].pk,
                    "perpetrator_party_id": w["perpetrator"].pk,
                    "relationship": "SUAMI_ISTRI",
                },
                owner_write,
            )
        },
        "case-services": {
            "GET": (None, read_all),
            "POST": (
                lambda w: {"victim_party_id": w["victim"].pk, "given_on": _today(), "service_type": "PENGADUAN"},
                {"owner_caseworker": 201, "owner_supervisor": 201, "limited_grant": 201},
            ),
        },
        "case-notes": {"GET": (None, read_full), "POST": (lambda w: {"body": "Catatan kunjungan."}, owner_write)},
        "case-consents": {
            "GET": (None, read_full),
            "POST": (
                lambda w: {
                    "victim_party_id": w["victim"].pk,
                    "given_by_person_id": w["victim"].person_id,
                    "given_by_capacity": "victim",
                    "purpose": "referral",
                    "agency_kinds": ["health"],
                    "disclosure_level": "limited",
                    "given_on": _today(),
                },
                owner_write,
            ),
        },
        "case-consent-withdraw": {"POST": (lambda w: {"withdrawn_on": _today()}, owner_change)},
        "case-legal-steps": {
            "GET": (None, read_full),
            "POST": (lambda w: {"step": "LAPORAN_POLISI", "occurred_on": _today()}, owner_write),
        },
        "case-history": {"GET": (None, read_all)},
        "case-attachments": {"GET": (None, read_full)},
    }


# Routes not under one case: everyone with a membership gets 200 (and sees
# only their own), those acting for none get 403.
OPEN_ROUTES = {
    "case-list": {"GET": None},
    "case-search": {"POST": lambda w: {"kind": "nik", "value": "3276010101900001"}},
}
# Creating a case: the case-working roles only.
CREATE = {
    "owner_caseworker": 201,
    "owner_supervisor": 201,
    "other_agency": 201,
    "limited_grant": 201,
    "owner_analyst": 403,
}

CASE_ROUTE_CASES = [(name, method, role) for name, methods in _matrix().items() for method in methods for role in ROLES]


def _kwargs(name, world):
    kwargs = {"case_id": world["case"].pk}
    if name == "case-person":
        kwargs["person_id"] = world["victim"].person_id
    if name == "case-consent-withdraw":
        kwargs["consent_id"] = world["consent"].pk
    return kwargs


def _send(client, method, url, body, *, etag=None):
    headers = {"If-Match": etag} if etag else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return getattr(client, method.lower())(url, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("name", "method", "role"), CASE_ROUTE_CASES)
def test_case_route(world, name, method, role):
    body_for, expected_by_role = _matrix()[name][method]
    if role in expected_by_role:
        expected = expected_by_role[role]
    elif role in NO_ACTOR:
        expected = 403
    else:
        expected = 404
    case = world["case"]
    etag = f'"case-{case.pk}-v{case.version}"' if method == "PATCH" else None
    url = reverse(f"api:{name}", kwargs=_kwargs(name, world))
    before = AuditEvent.objects.filter(action="case.access_denied", target_id=str(case.pk)).count()
    response = _send(_client(world, role), method, url, body_for(world) if body_for else None, etag=etag)
    if role == "anonymous":
        assert response.status_code in (401, 403), response.content
    else:
        assert response.status_code == expected, response.content
    denied = AuditEvent.objects.filter(action="case.access_denied", target_id=str(case.pk)).count() - before
    if role in OUTSIDERS or role in NO_ACTOR:
        assert denied == 1
        # The answer to an outsider is the answer to a missing case.
        assert b"Contoh" not in response.content and b"3276" not in response.content
    else:
        assert denied == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), [(n, m) for n, ms in OPEN_ROUTES.items() for m in ms])
def test_open_routes(world, name, method, role):
    body_for = OPEN_ROUTES[name][method]
    response = _send(_client(world, role), method, reverse(f"api:{name}"), body_for(world) if body_for else None)
    if role in NO_ACTOR:
        assert response.status_code in ((401, 403) if role == "anonymous" else (403,))
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    sees = role in {"owner_caseworker", "owner_supervisor"} or (role == "limited_grant" and name == "case-list")
    assert ids == ({world["case"].pk} if sees else set())


@pytest.mark.parametrize("role", ROLES)
def test_create_route(world, role):
    body = {
        "reported_at": timezone.now().isoformat(),
        "persons": [{"roles": ["victim"], "name": "Contoh Korban 900", "estimated_age": 20}],
    }
    response = _send(_client(world, role), "POST", reverse("api:case-list"), body)
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif role in NO_ACTOR:
        assert response.status_code == 403
    else:
        assert response.status_code == CREATE[role], response.content


def test_a_missing_case_answers_exactly_like_an_invisible_one(world):
    client = _client(world, "other_agency")
    invisible = client.get(reverse("api:case-detail", kwargs={"case_id": world["case"].pk}))
    missing = client.get(reverse("api:case-detail", kwargs={"case_id": world["case"].pk + 1000}))
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def _case_routes():
    found = {}
    resolver = get_resolver()
    for api_pattern in resolver.url_patterns:
        if getattr(api_pattern, "namespace", None) != "api":
            continue
        for pattern in api_pattern.url_patterns:
            if pattern.name and pattern.name.startswith("case"):
                view = pattern.callback.view_class
                methods = {m.upper() for m in view.http_method_names if hasattr(view, m) and m not in {"options"}}
                found[pattern.name] = methods
    return found


def test_every_case_route_has_a_row():
    routes = _case_routes()
    assert routes, "the resolver walk found no case routes"
    covered = {name: set(methods) for name, methods in _matrix().items()}
    for name, methods in OPEN_ROUTES.items():
        covered[name] = set(methods)
    covered["case-list"] |= {"POST"}  # test_create_route
    for name, methods in routes.items():
        assert name in covered, f"route {name} has no row in the isolation matrix"
        assert methods <= covered[name], f"route {name}: methods {methods - covered[name]} have no row"
