"""The one task decorator every background task uses, and how to send one.

Tasks take ids only (never objects, never personal data: arguments land in the
broker and in worker logs), are idempotent, acknowledge late so a crashed
worker's task runs again, and are sent after the transaction commits.
"""

from collections.abc import Callable
from uuid import UUID

from celery import shared_task
from django.db import transaction

_ALLOWED_ARGUMENT_TYPES = (int, UUID)


def depok_task(
    *,
    retry_for: tuple[type[BaseException], ...] = (),
    max_retries: int = 5,
    **options,
) -> Callable:
    """Declare a task: acks late, rejected back to the queue on worker loss,
    retried with backoff only for the listed (transient) exceptions."""

    def decorate(func: Callable):
        return shared_task(
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=retry_for,
            retry_backoff=True,
            retry_backoff_max=600,
            retry_jitter=True,
            max_retries=max_retries,
            **options,
        )(func)

    return decorate


def enqueue_on_commit(task, *ids: int | UUID) -> None:
    """Send ``task(*ids)`` once the current transaction commits (or now, outside one)."""
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, _ALLOWED_ARGUMENT_TYPES):
            raise TypeError("Tasks take ids only, never objects or text.")
    transaction.on_commit(lambda: task.delay(*ids))
