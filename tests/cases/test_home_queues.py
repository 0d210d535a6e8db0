"""Home queues: a caseworker's drafts, tasks due and overdue and new
assignments; a supervisor's closures awaiting approval and the agency's
overdue items. Through the gate, with a query budget that does not grow."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import ReferenceItem
from cases import intake, workflow
from cases.models import Case, CaseAssignment, CaseStatus, CaseTask
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def _task(case, owner, days: int, title: str = "Tugas") -> CaseTask:
    return CaseTask.objects.create(
        case=case, title=title, owner=owner, due_on=timezone.localdate() + timedelta(days=days)
    )


def _panels(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_caseworker_sees_tasks_due_and_overdue_not_later_or_done_ones(client_for, alice, case):
    _task(case, alice, -2, "Tugas terlambat")
    _task(case, alice, 3, "Tugas minggu ini")
    _task(case, alice, 30, "Tugas bulan depan")
    done = _task(case, alice, 1, "Tugas selesai")
    CaseTask.objects.filter(pk=done.pk).update(done_at=timezone.now())
    body = _panels(client_for(alice))
    assert "Tugas terlambat" in body and "Tugas minggu ini" in body
    assert "Tugas bulan depan" not in body and "Tugas selesai" not in body
    tasks = workflow.tasks_due_for(membership=alice)
    assert [t.title for t in tasks] == ["Tugas terlambat", "Tugas minggu ini"]
    assert tasks[0].is_overdue and not tasks[1].is_overdue


def test_new_assignments_are_those_of_the_last_seven_days(client_for, alice, uptd):
    fresh = CaseFactory(agency=uptd)
    CaseAssignment.objects.create(case=fresh, membership=alice)
    old = CaseFactory(agency=uptd)
    assignment = CaseAssignment.objects.create(case=old, membership=alice)
    CaseAssignment.objects.filter(pk=assignment.pk).update(assigned_at=timezone.now() - timedelta(days=8))
    assigned = [a.case_id for a in workflow.new_assignments_for(membership=alice)]
    assert assigned == [fresh.pk]
    body = _panels(client_for(alice))
    assert fresh.register_number in body and old.register_number not in body


def test_caseworker_sees_own_drafts_linked_to_the_draft_page(client_for, alice, dave):
    mine = intake.draft_create(membership=alice, data=intake.new_draft_data())
    theirs = intake.draft_create(membership=dave, data=intake.new_draft_data())
    body = _panels(client_for(alice))
    assert reverse("cases:intake_draft", kwargs={"draft_id": mine.pk}) in body
    assert reverse("cases:intake_draft", kwargs={"draft_id": theirs.pk}) not in body


def test_a_restricted_case_leaves_the_queue_of_an_unassigned_caseworker(alice, dave, uptd):
    case = CaseFactory(agency=uptd, is_restricted=True)
    _task(case, dave, 1)
    assert workflow.tasks_due_for(membership=dave) == []


def test_supervisor_sees_closures_awaiting_approval_with_the_total(client_for, bob, uptd, police):
    waiting = [CaseFactory(agency=uptd, status=CaseStatus.CLOSURE_REQUESTED) for _ in range(2)]
    CaseFactory(agency=uptd, status=CaseStatus.MONITORING)
    CaseFactory(agency=police, status=CaseStatus.CLOSURE_REQUESTED)
    cases, total = workflow.closures_awaiting(membership=bob)
    assert total == 2 and {c.pk for c in cases} == {c.pk for c in waiting}
    body = _panels(client_for(bob))
    assert all(case.register_number in body for case in waiting)


def test_caseworker_gets_no_supervisor_panels(client_for, alice, uptd):
    waiting = CaseFactory(agency=uptd, status=CaseStatus.CLOSURE_REQUESTED)
    assert workflow.closures_awaiting(membership=alice) == ([], 0)
    assert waiting.register_number not in _panels(client_for(alice))


def test_supervisor_sees_the_agency_overdue_deadlines_and_tasks(client_for, alice, bob, uptd):
    high = ReferenceItem.objects.of("kriteria_risiko").get(code="TINGGI")
    late = CaseFactory(agency=uptd, risk=high, reported_at=timezone.now() - timedelta(hours=30))
    answered = CaseFactory(agency=uptd, risk=high, reported_at=timezone.now() - timedelta(hours=30))
    Case.objects.filter(pk=answered.pk).update(first_response_at=timezone.now())
    tpks = CaseFactory(agency=uptd, is_tpks=True, reported_at=timezone.now() - timedelta(hours=73))
    task_case = CaseFactory(agency=uptd)
    _task(task_case, alice, -1, "Tugas lewat tenggat")
    cases, tasks = workflow.agency_overdue(membership=bob)
    assert {c.pk for c in cases} == {late.pk, tpks.pk}
    assert [t.title for t in tasks] == ["Tugas lewat tenggat"]
    body = _panels(client_for(bob))
    assert late.register_number in body and tpks.register_number in body and "Tugas lewat tenggat" in body
    assert answered.register_number not in body


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def test_home_query_count_is_the_same_for_3_and_30_cases(client_for, alice, bob, uptd):
    high = ReferenceItem.objects.of("kriteria_risiko").get(code="TINGGI")

    def add(count):
        for index in range(count):
            case = CaseFactory(
                agency=uptd,
                risk=high,
                is_tpks=index % 2 == 0,
                reported_at=timezone.now() - timedelta(days=4),
                status=CaseStatus.CLOSURE_REQUESTED if index % 3 == 0 else CaseStatus.IN_SERVICE,
            )
            CaseAssignment.objects.create(case=case, membership=alice)
            _task(case, alice, -1 if index % 2 else 2)
            intake.draft_create(membership=alice, data=intake.new_draft_data())

    add(3)
    small = (_home_queries(client_for(alice)), _home_queries(client_for(bob)))
    add(27)
    assert (_home_queries(client_for(alice)), _home_queries(client_for(bob))) == small
