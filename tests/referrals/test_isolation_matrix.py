"""Every referral route, page and API, × every kind of caller → the expected
answer. A referral a caller may not see answers 404 exactly like a missing
one, and the attempt is in the audit trail; a step not theirs is 403.
A resolver walk fails when a referral route has no row here."""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from agencies.models import Role
from audit.models import AuditEvent
from referrals import services
from referrals.models import Notification
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.referrals.conftest import referral_input

pytestmark = pytest.mark.django_db

ROLES = [
    "sending_caseworker",
    "sending_supervisor",
    "receiving_caseworker",
    "receiving_supervisor",
    "third_agency",
    "analyst",
    "no_membership",
    "anonymous",
    "superuser",
]
OUTSIDERS = {"third_agency", "analyst"}
NO_ACTOR = {"no_membership", "anonymous", "superuser"}
SENDERS = {"sending_caseworker", "sending_supervisor"}
RECEIVERS = {"receiving_caseworker", "receiving_supervisor"}
MEMBERS = SENDERS | RECEIVERS | {"third_agency"}


@pytest.fixture
def world(case, alice, bob, charlie, pat, zed, police, uptd, consent):
    draft, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    submitted, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    services.referral_submit(actor=alice, referral_id=submitted.pk)
    sent, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    services.referral_submit(actor=alice, referral_id=sent.pk)
    services.referral_approve(actor=bob, referral_id=sent.pk)
    analyst = MembershipFactory(user=UserFactory(username="analyst"), agency=uptd, role=Role.ANALYST)
    nomember = UserFactory(username="nomember")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {
        "case": case,
        "draft": draft,
        "submitted": submitted,
        "sent": sent,
        "bob_notification": Notification.objects.filter(recipient=bob).first(),
        "sending_caseworker": alice,
        "sending_supervisor": bob,
        "receiving_caseworker": charlie,
        "receiving_supervisor": pat,
        "third_agency": zed,
        "analyst": analyst,
        "nomember": nomember,
        "root": root,
    }


def client_as(world, role) -> Client:
    if role == "anonymous":
        return Client()
    if role == "no_membership":
        return sign_in(Client(), world["nomember"])
    if role == "superuser":
        return sign_in(Client(), world["root"])
    return sign_in(Client(), world[role].user, membership=world[role])


def _only(allowed: dict, others: int) -> dict:
    """Expected answers of the acting members: ``allowed`` by role, else ``others``."""
    return {role: allowed.get(role, others) for role in [*MEMBERS, "analyst"]}


# (kind, route name, method, target referral, body builder, {role: status}, audited target type)
# Roles acting for no membership: pages answer 403 (anonymous: the sign-in
# redirect), the API 403 (anonymous 401/403).
PAGE, API = "page", "api"
both = {role: 200 for role in SENDERS | RECEIVERS}
ROWS = [
    (PAGE, "referrals:incoming", "GET", None, None, _only({"analyst": 403}, 200), None),
    (PAGE, "referrals:outgoing", "GET", None, None, _only({"analyst": 403}, 200), None),
    (
        PAGE,
        "referrals:approvals",
        "GET",
        None,
        None,
        _only({"sending_supervisor": 200, "receiving_supervisor": 200, "third_agency": 200}, 403),
        None,
    ),
    (PAGE, "referrals:notifications", "GET", None, None, _only({"analyst": 403}, 200), None),
    (PAGE, "referrals:notifications", "POST", None, lambda w: {}, _only({"analyst": 403}, 302), None),
    (
        PAGE,
        "referrals:notification_open",
        "POST",
        "bob_notification",
        lambda w: {},
        _only({"sending_supervisor": 302, "analyst": 403}, 404),
        None,
    ),
    (
        PAGE,
        "referrals:create",
        "GET",
        "case",
        None,
        _only({**dict.fromkeys(SENDERS, 200), "analyst": 403}, 404),
        "case",
    ),
    (PAGE, "referrals:detail", "GET", "sent", None, _only(both, 404), "referral"),
    (PAGE, "referrals:edit", "GET", "draft", None, _only(dict.fromkeys(SENDERS, 200), 404), "referral"),
    (PAGE, "referrals:letter", "GET", "sent", None, _only(both, 404), "referral"),
    (
        PAGE,
        "referrals:step",
        "GET",
        "sent:decline",
        None,
        _only({**dict.fromkeys(RECEIVERS, 200), **dict.fromkeys(SENDERS, 403)}, 404),
        "referral",
    ),
    (
        PAGE,
        "referrals:step",
        "POST",
        "submitted:approve",
        lambda w: {},
        _only({"sending_supervisor": 302, "sending_caseworker": 403}, 404),
        "referral",
    ),
    (API, "api:referral-list", "GET", None, None, _only({}, 200), None),
    (
        API,
        "api:referral-list",
        "POST",
        None,
        lambda w: {
            "case_id": w["case"].pk,
            "to_agency_id": w["receiving_caseworker"].agency_id,
            "reason": "Alasan.",
            "summary": "Ringkasan.",
        },
        _only({**dict.fromkeys(SENDERS, 201), "analyst": 403}, 404),
        "case",
    ),
    (API, "api:referral-detail", "GET", "sent", None, _only(both, 404), "referral"),
    (
        API,
        "api:referral-detail",
        "PATCH",
        "draft",
        lambda w: {"urgency": "emergency"},
        _only(dict.fromkeys(SENDERS, 200), 404),
        "referral",
    ),
    (
        API,
        "api:referral-transition",
        "POST",
        "submitted",
        lambda w: {"step": "approve"},
        _only({"sending_supervisor": 200, "sending_caseworker": 403}, 404),
        "referral",
    ),
    (
        API,
        "api:referral-transition",
        "POST",
        "sent",
        lambda w: {"step": "accept", "assignee_id": w["receiving_caseworker"].pk},
        _only({**dict.fromkeys(RECEIVERS, 200), **dict.fromkeys(SENDERS, 403)}, 404),
        "referral",
    ),
]

CASES = [(index, role) for index in range(len(ROWS)) for role in ROLES]


def _url(world, name, target):
    if target is None:
        return reverse(name)
    if target == "case":
        return reverse(name, kwargs={"case_id": world["case"].pk})
    if target == "bob_notification":
        return reverse(name, kwargs={"notification_id": world["bob_notification"].pk})
    if ":" in target:
        referral_key, step = target.split(":")
        return reverse(name, kwargs={"referral_id": world[referral_key].pk, "step_name": step})
    return reverse(name, kwargs={"referral_id": world[target].pk})


# Who, acting for no membership, leaves an audit entry: the API audits every
# such attempt on a referral; on pages a superuser reaches the view (audited
# there) and the membership middleware refuses the others first — auditing
# attempts on a case or a referral; anonymous callers are sent to sign in.
_AUDITED_WITHOUT_ACTOR = {
    (API, "referral"): {"anonymous", "no_membership", "superuser"},
    (API, "case"): set(),
    (PAGE, "referral"): {"superuser", "no_membership"},
    (PAGE, "case"): {"no_membership"},
}


def _target_id(world, target, audited_type=None):
    if audited_type == "case":
        return str(world["case"].pk)
    if target in (None, "bob_notification"):
        return None
    if target == "case":
        return str(world["case"].pk)
    return str(world[target.split(":")[0]].pk)


@pytest.mark.parametrize(
    ("index", "role"), CASES, ids=[f"{ROWS[i][1]}-{ROWS[i][2]}-{ROWS[i][3]}-{r}" for i, r in CASES]
)
def test_referral_route(world, index, role):
    kind, name, method, target, body_for, expected_by_role, audited_type = ROWS[index]
    url = _url(world, name, target)
    body = body_for(world) if body_for else None
    client = client_as(world, role)
    headers = {}
    if method == "PATCH":
        headers["If-Match"] = f'"referral-{world[target].pk}-v{world[target].version}"'
    target_id = _target_id(world, target, audited_type)
    denied_action = f"{audited_type}.access_denied" if audited_type else None
    before = AuditEvent.objects.filter(action=denied_action, target_id=target_id).count() if denied_action else 0
    if method == "GET":
        response = client.get(url, headers=headers)
    elif kind == API:
        response = getattr(client, method.lower())(url, data=body, content_type="application/json", headers=headers)
    else:
        response = client.post(url, data=body or {})
    if role == "anonymous":
        expected = (302,) if kind == PAGE else (401, 403)
        assert response.status_code in expected, response.content
        if kind == PAGE:
            assert "/accounts/" in response["Location"]
    elif role in NO_ACTOR:
        assert response.status_code == 403, response.content
    else:
        assert response.status_code == expected_by_role[role], response.content
    if denied_action:
        denied = AuditEvent.objects.filter(action=denied_action, target_id=target_id).count() - before
        outsider = role not in NO_ACTOR and expected_by_role[role] == 404
        no_actor = role in _AUDITED_WITHOUT_ACTOR[(kind, audited_type)]
        assert denied == (1 if outsider or no_actor else 0)
    if response.status_code in (403, 404):
        # The answer to an outsider carries nothing of the referral or the person.
        assert b"Contoh" not in response.content and b"Ringkasan" not in response.content
        assert world["case"].register_number.encode() not in response.content


def test_a_missing_referral_answers_exactly_like_an_invisible_one(world):
    client = client_as(world, "third_agency")
    invisible = client.get(reverse("api:referral-detail", kwargs={"referral_id": world["sent"].pk}))
    missing = client.get(reverse("api:referral-detail", kwargs={"referral_id": world["sent"].pk + 1000}))
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def test_lists_show_only_the_callers_referrals(world):
    def ids(role, direction):
        response = client_as(world, role).get(reverse("api:referral-list"), {"direction": direction})
        return {row["id"] for row in response.json()["results"]}

    assert ids("sending_caseworker", "outgoing") == {world[k].pk for k in ("draft", "submitted", "sent")}
    assert ids("receiving_caseworker", "incoming") == {world["sent"].pk}
    assert ids("receiving_caseworker", "outgoing") == set()
    assert ids("sending_supervisor", "approvals") == {world["submitted"].pk}
    assert ids("receiving_supervisor", "approvals") == set()
    assert ids("third_agency", "incoming") == ids("third_agency", "outgoing") == set()
    assert ids("analyst", "incoming") == set()
    # List rows are metadata only.
    row = client_as(world, "receiving_caseworker").get(reverse("api:referral-list")).json()["results"][0]
    assert "summary" not in row and "reason" not in row


def test_the_receiver_never_reads_the_senders_reason(world):
    data = client_as(world, "receiving_caseworker").get(
        reverse("api:referral-detail", kwargs={"referral_id": world["sent"].pk})
    )
    body = data.json()
    assert body["summary"] and "reason" not in body
    assert "phone" not in body["case_facts"]["victims"][0] and "name" not in body["case_facts"]["victims"][0]


def _routes():
    found = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace == "referrals":
            for sub in pattern.url_patterns:
                callback = sub.callback
                methods = {"GET", "POST"}
                found |= {(f"referrals:{sub.name}", m) for m in methods if _allows(callback, m)}
        elif namespace == "api":
            for sub in pattern.url_patterns:
                if sub.name and sub.name.startswith("referral"):
                    view = sub.callback.view_class
                    for method in view.http_method_names:
                        if hasattr(view, method) and method not in {"options", "head"}:
                            found.add((f"api:{sub.name}", method.upper()))
    return found


def _allows(callback, method: str) -> bool:
    """Page views: GET everywhere; POST where the view handles a form."""
    source_name = callback.__name__
    posts = {"notification_list", "notification_open", "create", "edit", "step"}
    gets = {"incoming", "outgoing", "approvals", "notification_list", "create", "detail", "edit", "letter", "step"}
    return source_name in (posts if method == "POST" else gets)


def test_every_referral_route_has_a_row():
    routes = _routes()
    assert routes, "the resolver walk found no referral routes"
    covered = {(name, method) for _kind, name, method, *_rest in ROWS}
    # Create and edit POSTs are exercised in test_pages (forms with bodies).
    covered |= {("referrals:create", "POST"), ("referrals:edit", "POST")}
    missing = routes - covered
    assert not missing, f"routes without a row in the isolation matrix: {sorted(missing)}"
