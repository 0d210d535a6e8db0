"""Signals the referrals app sends for higher layers (programs, reports).

``referral_changed`` is sent after the transaction that changed a referral
commits, with ``referral_id`` (an int) and ``change`` (the step: ``create``,
``submit``, ``approve``, ``return``, ``accept``, ``decline``, ``start``,
``complete``, ``withdraw``, ``assign``, ``escalated``, ``access_ended:<cause>``).
Receivers get ids only and read what they may through the selectors — for
example, programs opens a counselling client when a referral to Puspaga is
accepted."""

from django.db import transaction
from django.dispatch import Signal

referral_changed = Signal()


def send_referral_changed_on_commit(*, referral_id: int, change: str) -> None:
    transaction.on_commit(lambda: referral_changed.send(sender="referrals", referral_id=referral_id, change=change))
