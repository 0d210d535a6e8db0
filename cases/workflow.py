"""The case's plan, its tasks, who viewed it and the home queues.

Writes (``plan_save``, ``task_add``, ``task_complete``) follow the services'
pattern (``cases.services``): pass the gate, lock the case row, check the
actor and the state, then write and audit in one transaction and announce
the change on commit. Reads take the acting membership and go through the
gate (``visible_cases``), so a queue never shows a case its reader may not
open — a restricted case drops out of an unassigned caseworker's queue.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import CASE_ROLES, Membership, Role
from audit.models import AuditEvent
from cases.deadlines import case_deadlines, overdue_q
from cases.grants import Access
from cases.models import Case, CaseAssignment, CasePlan, CaseStatus, CaseTask
from cases.selectors import CaseAction, CaseActionForbidden, CaseNotVisible, visible_cases
from cases.services import TRANSITIONS, CaseStateError, Origin, StaleVersion, _audit, _locked_case
from cases.signals import send_case_changed_on_commit

# The plan and its tasks belong to active work: not before the case is
# opened, not once it is closed.
PLAN_STATUSES = (
    CaseStatus.OPEN,
    CaseStatus.ASSESSMENT,
    CaseStatus.INTERVENTION_PLAN,
    CaseStatus.IN_SERVICE,
    CaseStatus.MONITORING,
    CaseStatus.CLOSURE_REQUESTED,
)
# A second identical task within this time is a double submit, not a new task.
DUPLICATE_WINDOW = timedelta(minutes=2)
QUEUE_LIMIT = 10
NEW_ASSIGNMENT_DAYS = 7
TASK_SOON_DAYS = 7
VIEWER_LIMIT = 30
# The audit action of a read of a case's page or API detail.
CASE_READ_ACTION = "case.viewed"


# What each step is called on a button, and what it means, for the page.
TRANSITION_TEXT = {
    "open": (gettext_lazy("Open the case"), gettext_lazy("The intake is complete and work on the case begins.")),
    "start_assessment": (
        gettext_lazy("Start the assessment"),
        gettext_lazy("Assess the situation, needs and risks. This counts as the first response."),
    ),
    "plan_intervention": (
        gettext_lazy("Move to the intervention plan"),
        gettext_lazy("The assessment is done; plan the intervention and its tasks."),
    ),
    "start_service": (gettext_lazy("Start service"), gettext_lazy("The plan is agreed and services are being given.")),
    "start_monitoring": (
        gettext_lazy("Start monitoring"),
        gettext_lazy("The planned services were given; follow up on the victim's situation."),
    ),
    "request_closure": (
        gettext_lazy("Request closure"),
        gettext_lazy("Ask a supervisor to close the case. Say why the case can be closed."),
    ),
    "approve_closure": (gettext_lazy("Approve closure"), gettext_lazy("The case is closed. It can be archived later.")),
    "return_closure": (
        gettext_lazy("Return for more work"),
        gettext_lazy("The case goes back to monitoring. Say what still needs to be done."),
    ),
    "archive": (
        gettext_lazy("Archive"),
        gettext_lazy("The case becomes read-only and every access other agencies hold on it ends."),
    ),
    "reopen": (gettext_lazy("Reopen"), gettext_lazy("The case is opened again. Say why.")),
}
# Steps that move the case forward are shown as the main button.
_PRIMARY = {"open", "start_assessment", "plan_intervention", "start_service", "start_monitoring", "approve_closure"}


@dataclass(frozen=True)
class StepChoice:
    name: str
    label: str
    description: str
    needs_reason: bool
    primary: bool


@dataclass(frozen=True)
class CaseActions:
    """What the acting membership may do on the case now: the page shows only
    these, so no button leads to a refusal."""

    steps: list[StepChoice]
    edit: bool
    plan: bool
    tasks: bool
    add_service: bool
    add_note: bool
    add_legal_step: bool
    add_consent: bool
    assign: bool
    restrict: bool

    @property
    def any_record(self) -> bool:
        return self.add_service or self.add_note or self.add_legal_step or self.add_consent


def allowed_steps(*, case: Case, membership: Membership, access: Access | None) -> list[StepChoice]:
    if access != Access.OWNER or membership.role not in CASE_ROLES:
        return []
    steps = []
    for name, step in TRANSITIONS.items():
        if case.status in step.sources and (not step.supervisor_only or membership.role == Role.SUPERVISOR):
            label, description = TRANSITION_TEXT[name]
            steps.append(StepChoice(name, str(label), str(description), step.needs_reason, name in _PRIMARY))
    return steps


def case_actions(*, case: Case, membership: Membership, access: Access | None) -> CaseActions:
    owner = access == Access.OWNER
    writable = case.status != CaseStatus.ARCHIVED
    supervisor = owner and membership.role == Role.SUPERVISOR
    return CaseActions(
        steps=allowed_steps(case=case, membership=membership, access=access),
        edit=owner and writable,
        plan=owner and may_edit_plan(case),
        tasks=owner and may_edit_plan(case),
        add_service=access is not None and access >= Access.LIMITED and writable,
        add_note=access is not None and access >= Access.FULL and writable,
        add_legal_step=access is not None and access >= Access.FULL and writable,
        add_consent=owner and writable,
        assign=supervisor,
        restrict=supervisor and writable,
    )


def may_edit_plan(case: Case) -> bool:
    return case.status in PLAN_STATUSES


def _require_plan_state(case: Case) -> None:
    if not may_edit_plan(case):
        raise CaseStateError(_("The plan and its tasks can be changed only while the case is being worked."))


# --- plan -------------------------------------------------------------------------


def case_plan(*, case: Case) -> CasePlan | None:
    return CasePlan.objects.filter(case=case).select_related("updated_by__user").first()


def plan_save(
    *,
    actor: Membership,
    case_id: int,
    expected_version: int,
    assessment: str,
    intervention_plan: str,
    origin: Origin | None = None,
) -> CasePlan:
    """Save the assessment and the intervention plan if the plan is still at
    ``expected_version`` (0: no plan yet); else ``StaleVersion``, never a
    silent overwrite. The plan has its own version, so editing it does not
    collide with an edit of the case's fields. Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        _require_plan_state(case)
        plan = CasePlan.objects.filter(case=case).first()
        current = plan.version if plan is not None else 0
        if current != expected_version:
            raise StaleVersion
        if plan is None:
            plan = CasePlan(case=case, version=0)
        plan.assessment = (assessment or "").strip()
        plan.intervention_plan = (intervention_plan or "").strip()
        plan.version += 1
        plan.updated_by = actor
        plan.save()
        _audit(
            actor=actor,
            origin=origin,
            action="case.plan_saved",
            case_id=case.pk,
            details={"plan_id": plan.pk, "version": plan.version},
        )
    send_case_changed_on_commit(case_id=case.pk, change="plan_saved")
    return plan


# --- tasks ------------------------------------------------------------------------


def task_owner_choices(*, case: Case) -> list[Membership]:
    """Who may own a task of ``case``: active caseworkers and supervisors of
    the owning agency."""
    return list(
        Membership.objects.filter(agency_id=case.agency_id, is_active=True, role__in=CASE_ROLES, user__is_active=True)
        .select_related("user", "agency")
        .order_by("user__first_name", "user__last_name", "id")
    )


def case_tasks(*, case: Case) -> list[CaseTask]:
    """Open tasks first (soonest due), then done ones; owners loaded."""
    tasks = list(
        CaseTask.objects.filter(case=case)
        .select_related("owner__user", "done_by__user")
        .order_by("done_at", "due_on", "id")
    )
    today = timezone.localdate()
    for task in tasks:
        task.is_overdue = task.done_at is None and task.due_on < today
    return sorted(tasks, key=lambda task: (task.done_at is not None, task.due_on, task.pk))


def task_add(
    *,
    actor: Membership,
    case_id: int,
    title: str,
    owner_id: int,
    due_on: date,
    origin: Origin | None = None,
) -> tuple[CaseTask, bool]:
    """Add a task of the intervention plan; returns (task, created).

    The owner is an active caseworker or supervisor of the owning agency. The
    same task sent twice within ``DUPLICATE_WINDOW`` (a double submit) returns
    the first one. Locks the case row, so two identical submits serialize."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        _require_plan_state(case)
        owner = Membership.objects.filter(
            pk=owner_id, agency_id=case.agency_id, is_active=True, role__in=CASE_ROLES
        ).first()
        if owner is None:
            raise ValidationError({"owner": _("Choose a caseworker or supervisor of the owning agency.")})
        if (
            case.is_restricted
            and owner.role == Role.CASEWORKER
            and not case.assignments.filter(membership=owner).exists()
        ):
            raise ValidationError(
                {"owner": _("This case is restricted: choose an assigned caseworker or a supervisor.")}
            )
        if due_on < timezone.localdate():
            raise ValidationError({"due_on": _("The due date is in the past.")})
        recent = CaseTask.objects.filter(
            case=case,
            owner=owner,
            due_on=due_on,
            created_by=actor,
            done_at__isnull=True,
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        for existing in recent:
            if existing.title == title:
                return existing, False
        task = CaseTask.objects.create(case=case, title=title, owner=owner, due_on=due_on, created_by=actor)
        _audit(
            actor=actor,
            origin=origin,
            action="case.task_added",
            case_id=case.pk,
            details={"task_id": task.pk, "owner_membership_id": owner.pk, "due_on": due_on.isoformat()},
        )
    send_case_changed_on_commit(case_id=case.pk, change="task_added")
    return task, True


def task_complete(*, actor: Membership, case_id: int, task_id: int, origin: Origin | None = None) -> CaseTask:
    """Mark a task done (idempotent: a task already done stays as it was).
    Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        task = CaseTask.objects.filter(case=case, pk=task_id).first()
        if task is None:
            raise CaseNotVisible
        if task.done_at is not None:
            return task
        if case.status == CaseStatus.ARCHIVED:
            raise CaseStateError(_("An archived case is read-only; a supervisor may reopen it."))
        now = timezone.now()
        CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now, done_by=actor)
        task.done_at, task.done_by = now, actor
        _audit(actor=actor, origin=origin, action="case.task_done", case_id=case.pk, details={"task_id": task.pk})
    send_case_changed_on_commit(case_id=case.pk, change="task_done")
    return task


# --- who viewed the case -------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    person: str
    agency: str
    role: str
    viewed_at: datetime
    level: str


def may_see_viewers(*, membership: Membership | None, access: Access | None) -> bool:
    """Supervisors of the owning agency see who viewed a case."""
    return membership is not None and membership.role == Role.SUPERVISOR and access == Access.OWNER


def case_viewers(*, membership: Membership, case: Case, access: Access, limit: int = VIEWER_LIMIT) -> list[CaseView]:
    """The latest reads of ``case`` (page or API), newest first: who (display
    name and agency) and when. Audit details hold ids only, so nothing about
    the victim is read here. Two queries."""
    if not may_see_viewers(membership=membership, access=access):
        raise CaseActionForbidden
    events = list(
        AuditEvent.objects.filter(target_type="case", target_id=str(case.pk), action=CASE_READ_ACTION)
        .order_by("-id")
        .values("membership_id", "occurred_at", "details")[:limit]
    )
    ids = {event["membership_id"] for event in events} - {None}
    members = Membership.objects.select_related("user", "agency").in_bulk(ids) if ids else {}
    views = []
    for event in events:
        member = members.get(event["membership_id"])
        person = (member.user.get_full_name() or member.user.get_username()) if member else _("Unknown account")
        views.append(
            CaseView(
                person=person,
                agency=member.agency.name if member else "",
                role=member.get_role_display() if member else "",
                viewed_at=event["occurred_at"],
                level=str((event["details"] or {}).get("level", "")),
            )
        )
    return views


# --- home queues --------------------------------------------------------------------


def _queue_cases(membership: Membership):
    """The cases whose work is this membership's agency's own: the gate at
    the owner's level (a grant never puts a case in another agency's queue)."""
    return visible_cases(membership=membership, action=CaseAction.CHANGE).values("id")


def tasks_due_for(*, membership: Membership, limit: int = QUEUE_LIMIT) -> list[CaseTask]:
    """The membership's open tasks that are overdue or due within a week,
    soonest first, on cases it may still open. One query."""
    if membership is None or membership.role not in CASE_ROLES:
        return []
    today = timezone.localdate()
    tasks = list(
        CaseTask.objects.filter(
            owner=membership,
            done_at__isnull=True,
            due_on__lte=today + timedelta(days=TASK_SOON_DAYS),
            case_id__in=_queue_cases(membership),
        )
        .select_related("case")
        .order_by("due_on", "id")[:limit]
    )
    for task in tasks:
        task.is_overdue = task.due_on < today
    return tasks


def new_assignments_for(*, membership: Membership, limit: int = QUEUE_LIMIT) -> list[CaseAssignment]:
    """Cases assigned to the membership in the last ``NEW_ASSIGNMENT_DAYS``
    days, newest first. One query."""
    if membership is None or membership.role not in CASE_ROLES:
        return []
    since = timezone.now() - timedelta(days=NEW_ASSIGNMENT_DAYS)
    return list(
        CaseAssignment.objects.filter(
            membership=membership, assigned_at__gte=since, case_id__in=_queue_cases(membership)
        )
        .select_related("case")
        .order_by("-assigned_at", "-id")[:limit]
    )


def closures_awaiting(*, membership: Membership, limit: int = QUEUE_LIMIT) -> tuple[list[Case], int]:
    """A supervisor's closures to approve or return: (newest first, total).
    Two queries (the total is an index count on the status index)."""
    if membership is None or membership.role != Role.SUPERVISOR:
        return [], 0
    cases = visible_cases(membership=membership, action=CaseAction.CHANGE).filter(status=CaseStatus.CLOSURE_REQUESTED)
    return list(cases.order_by("-id")[:limit]), cases.count()


def agency_overdue(*, membership: Membership, limit: int = QUEUE_LIMIT) -> tuple[list[Case], list[CaseTask]]:
    """A supervisor's overdue items of the agency: cases whose legal clock ran
    out (each with ``deadlines``), and open tasks past their due date. Two
    queries."""
    if membership is None or membership.role != Role.SUPERVISOR:
        return [], []
    now = timezone.now()
    cases = list(
        visible_cases(membership=membership, action=CaseAction.CHANGE)
        .filter(overdue_q(now=now))
        .select_related("risk")
        .order_by("reported_at", "id")[:limit]
    )
    for case in cases:
        case.deadlines = [deadline for deadline in case_deadlines(case, now=now) if deadline.is_overdue]
    tasks = list(
        CaseTask.objects.filter(
            case__agency_id=membership.agency_id,
            done_at__isnull=True,
            due_on__lt=timezone.localdate(),
            case_id__in=_queue_cases(membership),
        )
        .select_related("case", "owner__user")
        .order_by("due_on", "id")[:limit]
    )
    return cases, tasks
