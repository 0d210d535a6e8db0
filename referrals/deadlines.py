"""When a sent referral must be answered: emergency 2 hours, urgent 24 hours,
routine 3 working days on the Indonesian calendar (weekends and the public
holidays of the ``holidays`` package, which also knows the cuti bersama days
it publishes). Overdue is ``due_at`` compared with now at read time, so it is
right even where no scheduler runs."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.db.models import Q
from django.utils import timezone

from referrals.models import ReferralStatus, Urgency

ROUTINE_WORKING_DAYS = 3
HOURS = {Urgency.EMERGENCY: 2, Urgency.URGENT: 24}


@lru_cache(maxsize=32)
def _holidays_of(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def due_at(*, sent_at: datetime, urgency: str) -> datetime:
    """The moment an answer is due for a referral sent at ``sent_at``.

    Routine: the same local time on the third working day after the day it
    was sent; sent on a weekend or holiday, by the end of the third working
    day after it."""
    if urgency in HOURS:
        return sent_at + timedelta(hours=HOURS[urgency])
    local = timezone.localtime(sent_at)
    day = add_working_days(local.date(), ROUTINE_WORKING_DAYS)
    at = local.time() if is_working_day(local.date()) else time(23, 59, 59)
    return timezone.make_aware(datetime.combine(day, at), local.tzinfo)


def overdue_q(now: datetime | None = None) -> Q:
    """Sent and not answered in time."""
    return Q(status=ReferralStatus.SENT, due_at__lt=now or timezone.now())
