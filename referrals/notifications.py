"""Notifications: an in-app row per recipient, and an e-mail sent by a task.

The text is made from the kind and the case's register number, with a link to
the referral page: never a person's name or any detail of the case.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from depok_cases.tasks import enqueue_on_commit
from referrals.models import Notification, NotificationKind, Referral


def notify(*, referral: Referral, kind: str, recipients: list[int]) -> list[Notification]:
    """One notification per recipient membership; each e-mail is sent after
    the caller's transaction commits."""
    from referrals.tasks import send_notification_email

    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=membership_id, referral=referral, kind=kind)
            for membership_id in sorted(set(recipients))
        ]
    )
    for notification in created:
        enqueue_on_commit(send_notification_email, notification.pk)
    return created


def notification_text(notification: Notification) -> str:
    """The one line shown in the list and used as the e-mail subject."""
    return _("%(what)s: %(register)s") % {
        "what": NotificationKind(notification.kind).label,
        "register": notification.referral.case.register_number,
    }


def referral_link(referral_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("referrals:detail", kwargs={"referral_id": referral_id})


def notification_email(notification_id: int) -> bool:
    """Send the e-mail of one notification, at most once: the row is claimed
    with a conditional UPDATE first; a failed send gives the claim back so a
    retry sends it."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient__user", "referral__case").get(pk=notification_id)
    address = notification.recipient.user.email
    if not address:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = "[Depok Cases] " + notification_text(notification)
        body = "\n\n".join(
            [
                notification_text(notification),
                _("Open the referral (sign-in required):") + "\n" + referral_link(notification.referral_id),
                _("This message carries no details of the case. Do not forward it."),
            ]
        )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:
        with transaction.atomic():
            Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def mark_read(*, membership_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) notification of the membership read."""
    unread = Notification.objects.filter(recipient_id=membership_id, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
