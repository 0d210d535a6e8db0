"""Every case page × every kind of caller → the expected answer.

Outsiders (another agency, an analyst of the owning agency) get 404 on any
page about a case — the answer to a case that does not exist — and the
attempt is in the audit trail; callers acting for no membership (including
a superuser) get 403; anonymous callers are sent to sign in. The rows live in
``page_rows_*.py``; a test walks the URL resolver so that a new page of the
``cases`` app without a row fails."""

import pytest
from django.urls import get_resolver, reverse

from audit.models import AuditEvent
from tests.cases import page_rows_attachments, page_rows_case, page_rows_intake
from tests.cases.conftest import NO_ACTOR, OUTSIDERS, ROLES, client_as

pytestmark = pytest.mark.django_db

ROWS = [*page_rows_intake.ROWS, *page_rows_case.ROWS, *page_rows_attachments.ROWS]
CASES = [pytest.param(row, role, id=f"{row.name}-{row.method}-{role}") for row in ROWS for role in ROLES]


def _expected(row, role) -> int:
    if role in row.expected:
        return row.expected[role]
    if role in NO_ACTOR:
        return 403
    assert row.case_page, f"{row.name} {row.method}: name what {role} gets"
    return 404


def _send(client, row, url, world):
    if row.method == "GET":
        return client.get(url)
    return client.post(url, data=row.body(world) if row.body else {})


@pytest.mark.parametrize(("row", "role"), CASES)
def test_case_page(world, row, role):
    case = world["case"]
    url = reverse(row.name, kwargs=row.kwargs(world))
    client = client_as(world, role)
    before = AuditEvent.objects.filter(action="case.access_denied", target_id=str(case.pk)).count()
    response = _send(client, row, url, world)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        return
    assert response.status_code == _expected(row, role), response.content[:500]
    denied = AuditEvent.objects.filter(action="case.access_denied", target_id=str(case.pk)).count() - before
    content = response.content
    if row.case_page and (role in OUTSIDERS or role in NO_ACTOR):
        assert denied == 1, "a refused look at a case is audited"
    if role in OUTSIDERS or role in NO_ACTOR:
        # Nothing of the case leaks: not its number, not a person in it.
        assert case.register_number.encode() not in content
        assert world["victim"].person.name.encode() not in content
        assert b"3276" not in content
    if role in ("owner_caseworker", "owner_supervisor") and row.case_page:
        assert denied == 0


def _case_pages() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "cases":
            names |= {f"cases:{p.name}" for p in pattern.url_patterns if p.name}
    return names


def test_every_case_page_has_a_row():
    covered = {row.name for row in ROWS}
    missing = _case_pages() - covered
    assert not missing, f"pages without a row in the isolation matrix: {sorted(missing)}"
