"""Background work of referrals: thin wrappers that pass ids to services."""

from smtplib import SMTPException

from depok_cases.tasks import depok_task
from referrals import notifications, services


@depok_task()
def escalate_overdue_referrals() -> int:
    """Beat, every five minutes: notify the supervisors of both agencies of
    each overdue referral, once (``services.referral_escalate``)."""
    return sum(
        1 for referral_id in services.overdue_unescalated_ids() if services.referral_escalate(referral_id=referral_id)
    )


@depok_task(retry_for=(SMTPException, ConnectionError, TimeoutError))
def send_notification_email(notification_id: int) -> bool:
    return notifications.notification_email(notification_id)
