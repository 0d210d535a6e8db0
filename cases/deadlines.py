"""The legal and service clocks a case shows until they stop (DESIGN.md,
Workflows; ../shared/domain/README.md, Deadlines the law sets):

- a high-risk case must get a first response within 24 hours of the report
  (stopped by the start of the assessment or the first service);
- a TPKS case must be reported to the police within 3×24 hours of the
  victim's report (UU 12/2022; stopped by the legal step ``LAPORAN_POLISI``).

Overdue is computed when read, so it is right without a scheduler."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HIGH_RISK_CODE = "TINGGI"
POLICE_REPORT_STEP = "LAPORAN_POLISI"
FIRST_RESPONSE_WITHIN = timedelta(hours=24)
POLICE_REPORT_WITHIN = timedelta(hours=72)

# Clocks stop mattering once the case has left active work.
_INACTIVE_STATUSES = ("closed", "archived")


@dataclass(frozen=True)
class Deadline:
    kind: str
    label: str
    due_at: datetime
    is_overdue: bool


def case_deadlines(case, *, now: datetime | None = None) -> list[Deadline]:
    """The running clocks of one case, soonest first. ``case.risk`` must be
    loaded (or ``risk_code`` annotated) by the caller's selector."""
    now = now or timezone.now()
    if case.status in _INACTIVE_STATUSES:
        return []
    deadlines = []
    risk_code = getattr(case, "risk_code", None) or (case.risk.code if case.risk_id and case.risk else None)
    if risk_code == HIGH_RISK_CODE and case.first_response_at is None:
        due = case.reported_at + FIRST_RESPONSE_WITHIN
        deadlines.append(Deadline("first_response", _("First response (high risk, 24 hours)"), due, due <= now))
    if case.is_tpks and case.police_reported_on is None:
        due = case.reported_at + POLICE_REPORT_WITHIN
        deadlines.append(Deadline("police_report", _("Report to the police (TPKS, 3×24 hours)"), due, due <= now))
    return sorted(deadlines, key=lambda deadline: deadline.due_at)


def overdue_q(*, now: datetime | None = None) -> Q:
    """Cases with a clock that has run out, as one filter on ``Case``."""
    now = now or timezone.now()
    first_response_overdue = Q(
        risk__code=HIGH_RISK_CODE,
        first_response_at__isnull=True,
        reported_at__lte=now - FIRST_RESPONSE_WITHIN,
    )
    police_report_overdue = Q(
        is_tpks=True,
        police_reported_on__isnull=True,
        reported_at__lte=now - POLICE_REPORT_WITHIN,
    )
    return (first_response_overdue | police_report_overdue) & ~Q(status__in=_INACTIVE_STATUSES)
