"""The case queues on the home page (``depok_cases.home.PANEL_PROVIDERS``;
registered in ``cases.apps``). A caseworker sees drafts, tasks due and new
assignments; a supervisor also sees closures to approve and the agency's
overdue items. Each provider runs a fixed number of queries however many
cases there are; entries show register numbers and task titles, never a
person's name."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agencies.models import CASE_ROLES, Role
from cases import intake, workflow


def _day(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _case_url(case_id: int, anchor: str = "") -> str:
    return reverse("cases:detail", kwargs={"case_id": case_id}) + anchor


def _drafts_panel(membership) -> dict:
    drafts = intake.drafts_for(membership=membership)
    return {
        "title": _("Unfinished intakes"),
        "body": "",
        "facts": [],
        "entries": [
            {
                "label": _("Draft of %(time)s")
                % {"time": formats.date_format(timezone.localtime(d.updated_at), "SHORT_DATETIME_FORMAT")},
                "url": reverse("cases:intake_draft", kwargs={"draft_id": d.pk}),
                "note": getattr(d, "summary", ""),
            }
            for d in drafts
        ],
        "empty": _("No unfinished intake."),
        "links": [(_("New case"), reverse("cases:intake_start"))],
    }


def _tasks_panel(membership) -> dict:
    tasks = workflow.tasks_due_for(membership=membership)
    entries = []
    for task in tasks:
        when = (
            _("overdue since %(day)s") % {"day": _day(task.due_on)}
            if task.is_overdue
            else _("due %(day)s") % {"day": _day(task.due_on)}
        )
        entries.append(
            {
                "label": f"{task.case.register_number} · {task.title}",
                "url": _case_url(task.case_id, "#tasks"),
                "note": when,
                "overdue": task.is_overdue,
            }
        )
    overdue = sum(1 for task in tasks if task.is_overdue)
    return {
        "title": _("My tasks due"),
        "body": _("%(count)s overdue.") % {"count": overdue} if overdue else "",
        "facts": [],
        "entries": entries,
        "empty": _("No task due in the next 7 days."),
        "links": [],
    }


def _assignments_panel(membership) -> dict:
    assignments = workflow.new_assignments_for(membership=membership)
    return {
        "title": _("New assignments"),
        "body": "",
        "facts": [],
        "entries": [
            {
                "label": a.case.register_number,
                "url": _case_url(a.case_id),
                "note": _("assigned %(day)s") % {"day": _day(timezone.localtime(a.assigned_at))},
            }
            for a in assignments
        ],
        "empty": _("No case assigned to you in the last 7 days."),
        "links": [(_("My cases"), reverse("cases:list") + "?assigned_to_me=on")],
    }


def _closures_panel(membership) -> dict:
    cases, total = workflow.closures_awaiting(membership=membership)
    return {
        "title": _("Closures awaiting approval"),
        "body": "",
        "facts": [(_("Awaiting"), total)],
        "entries": [
            {
                "label": case.register_number,
                "url": _case_url(case.pk),
                "note": "",
            }
            for case in cases
        ],
        "empty": _("No closure awaits your approval."),
        "links": [(_("All closure requests"), reverse("cases:list") + "?status=closure_requested")] if total else [],
    }


def _overdue_panel(membership) -> dict:
    cases, tasks = workflow.agency_overdue(membership=membership)
    entries = [
        {
            "label": case.register_number,
            "url": _case_url(case.pk),
            "note": ", ".join(str(deadline.label) for deadline in case.deadlines),
            "overdue": True,
        }
        for case in cases
    ]
    entries += [
        {
            "label": f"{task.case.register_number} · {task.title}",
            "url": _case_url(task.case_id, "#tasks"),
            "note": _("%(owner)s, overdue since %(day)s")
            % {"owner": task.owner.user.get_full_name() or task.owner.user.get_username(), "day": _day(task.due_on)},
            "overdue": True,
        }
        for task in tasks
    ]
    return {
        "title": _("Overdue in the agency"),
        "body": _("Legal deadlines that have passed and tasks past their due date.") if entries else "",
        "facts": [],
        "entries": entries,
        "empty": _("Nothing is overdue."),
        "links": [(_("Cases past a deadline"), reverse("cases:list") + "?overdue=on")] if cases else [],
    }


def case_queue_panels(request) -> list[dict]:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in CASE_ROLES:
        return []
    if membership.role == Role.SUPERVISOR:
        panels = [
            _closures_panel(membership),
            _overdue_panel(membership),
            _tasks_panel(membership),
            _drafts_panel(membership),
        ]
    else:
        panels = [_tasks_panel(membership), _assignments_panel(membership), _drafts_panel(membership)]
    return panels
