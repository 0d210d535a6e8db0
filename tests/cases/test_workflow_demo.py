"""The demo's cases are worked as the services would have worked them: the
legal clocks agree with services and legal steps, active cases have a plan
and tasks (some overdue), and the UPTD queues show overdue high-risk and TPKS
cases, so every page of the quick start is filled."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.test import override_settings
from django.utils import timezone

from agencies.models import Membership
from cases import workflow
from cases.deadlines import HIGH_RISK_CODE, overdue_q
from cases.models import Case, CasePlan, CaseStatus, CaseStatusChange, CaseTask, LegalStep, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_clocks_agree_with_services_legal_steps_and_history(demo):
    first_service = dict(Service.objects.values("case_id").annotate(day=Min("given_on")).values_list("case_id", "day"))
    police = dict(
        LegalStep.objects.filter(step__code="LAPORAN_POLISI")
        .values("case_id")
        .annotate(day=Min("occurred_on"))
        .values_list("case_id", "day")
    )
    assessed = set(CaseStatusChange.objects.filter(transition="start_assessment").values_list("case_id", flat=True))
    for case in Case.objects.all():
        responded = case.pk in first_service or case.pk in assessed
        assert (case.first_response_at is not None) == responded, case.register_number
        assert case.police_reported_on == police.get(case.pk), case.register_number
        last = case.status_history.order_by("changed_at", "id").last()
        assert last.to_status == case.status
        assert last.changed_at <= timezone.now()


def test_active_cases_have_plans_and_tasks_some_overdue(demo):
    active = Case.objects.filter(
        status__in=[CaseStatus.INTERVENTION_PLAN, CaseStatus.IN_SERVICE, CaseStatus.MONITORING]
    )
    assert active.exists()
    assert CasePlan.objects.filter(case__in=active).count() == active.count()
    tasks = CaseTask.objects.filter(case__in=active)
    assert tasks.filter(done_at__isnull=True, due_on__lt=timezone.localdate()).exists()
    assert tasks.filter(done_at__isnull=False).exists()
    assert CasePlan.objects.get(case=active.first()).assessment.startswith("Korban")


def test_the_uptd_queues_show_overdue_high_risk_and_tpks_cases(demo):
    overdue = Case.objects.filter(overdue_q(), agency__code="uptd-ppa")
    assert overdue.filter(risk__code=HIGH_RISK_CODE, first_response_at__isnull=True).count() >= 2
    assert overdue.filter(is_tpks=True, police_reported_on__isnull=True).count() >= 2
    supervisor = Membership.objects.get(user__username="supervisor.uptd")
    cases, tasks = workflow.agency_overdue(membership=supervisor)
    assert len(cases) >= 4 and tasks
    assert workflow.closures_awaiting(membership=supervisor)[1] > 0
    caseworker = Membership.objects.get(user__username="caseworker.uptd")
    assert workflow.tasks_due_for(membership=caseworker)
    assert workflow.new_assignments_for(membership=caseworker)
