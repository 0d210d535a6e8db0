"""Signals the cases app sends for higher layers (referrals, reports) to hear.

``case_changed`` is sent after the transaction that changed a case commits,
with ``case_id`` (an int) and ``change`` (a short code such as ``created``,
``updated``, ``transition:open``). Receivers get ids only, never data.
"""

from django.db import transaction
from django.dispatch import Signal

case_changed = Signal()


def send_case_changed_on_commit(*, case_id: int, change: str) -> None:
    transaction.on_commit(lambda: case_changed.send(sender="cases", case_id=case_id, change=change))
