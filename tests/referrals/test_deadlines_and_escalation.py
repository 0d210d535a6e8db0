"""Deadlines on the Indonesian calendar, overdue computed when read, and the
escalation that notifies both agencies' supervisors once per overdue referral
however often the beat task runs — also through a real Celery worker."""

import os
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from referrals import selectors, services
from referrals.deadlines import due_at, is_working_day
from referrals.models import Notification, Referral, ReferralEscalation, ReferralStatus
from referrals.tasks import escalate_overdue_referrals

JAKARTA = ZoneInfo("Asia/Jakarta")


def _at(*args):
    return datetime(*args, tzinfo=JAKARTA)


def test_routine_counts_working_days_across_a_public_holiday():
    # Thursday 24 December 2026: Christmas (Friday) and the weekend do not count.
    assert not is_working_day(_at(2026, 12, 25).date())
    assert due_at(sent_at=_at(2026, 12, 24, 10, 0), urgency="routine") == _at(2026, 12, 30, 10, 0)


def test_routine_across_nyepi():
    # Wednesday 18 March 2026; Nyepi is Thursday 19 March.
    assert due_at(sent_at=_at(2026, 3, 18, 9, 30), urgency="routine") == _at(2026, 3, 24, 9, 30)


def test_routine_sent_on_a_weekend_is_due_at_the_end_of_the_third_working_day():
    assert due_at(sent_at=_at(2026, 11, 28, 15, 0), urgency="routine") == _at(2026, 12, 2, 23, 59, 59)


def test_emergency_and_urgent_are_clock_hours():
    sent = _at(2026, 12, 24, 22, 0)
    assert due_at(sent_at=sent, urgency="emergency") == sent + timedelta(hours=2)
    assert due_at(sent_at=sent, urgency="urgent") == sent + timedelta(hours=24)


@pytest.mark.django_db
def test_overdue_is_computed_when_read(sent, charlie):
    assert not sent.is_overdue_at(timezone.now())
    Referral.objects.filter(pk=sent.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    [row] = selectors.incoming_referrals(membership=charlie)
    assert row.overdue_rank == 0
    assert selectors.nav_counts(membership=charlie).overdue == 1


@pytest.mark.django_db
def test_incoming_puts_overdue_first_then_urgency(case, alice, bob, charlie, police, consent):
    from tests.referrals.conftest import referral_input

    made = {}
    for urgency in ("routine", "emergency", "urgent", "routine"):
        referral, _ = services.referral_create(
            actor=alice, case_id=case.pk, data=referral_input(police, urgency=urgency)
        )
        services.referral_submit(actor=alice, referral_id=referral.pk)
        services.referral_approve(actor=bob, referral_id=referral.pk)
        made.setdefault(urgency, []).append(referral.pk)
    late = made["routine"][1]
    Referral.objects.filter(pk=late).update(due_at=timezone.now() - timedelta(hours=1))
    order = [row.pk for row in selectors.incoming_referrals(membership=charlie)]
    assert order == [late, made["emergency"][0], made["urgent"][0], made["routine"][0]]


def _make_overdue(referral):
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - timedelta(minutes=5))


@pytest.mark.django_db
def test_escalation_once_when_the_task_runs_twice(sent, bob, pat, zed, django_capture_on_commit_callbacks):
    _make_overdue(sent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_referrals() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_referrals() == 0
        assert services.referral_escalate(referral_id=sent.pk) is False  # a retry of the same referral
    notified = set(Notification.objects.filter(kind="overdue").values_list("recipient_id", flat=True))
    assert notified == {bob.pk, pat.pk}  # both agencies' supervisors; not a third agency's
    assert ReferralEscalation.objects.count() == 1
    assert len([m for m in mail.outbox if "pat@police.test" in m.to]) == 1


@pytest.mark.django_db
def test_an_answered_referral_is_not_escalated(sent, charlie):
    _make_overdue(sent)
    services.referral_accept(actor=charlie, referral_id=sent.pk)
    assert escalate_overdue_referrals() == 0
    assert not Notification.objects.filter(kind="overdue").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_escalations_notify_once(reference_data, sent, bob, pat):
    """Two runs at once: the unique escalation row lets exactly one send."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers: the race needs PostgreSQL's concurrent transactions")
    _make_overdue(sent)
    results, barrier = [], threading.Barrier(2)

    def run():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            results.append(services.referral_escalate(referral_id=sent.pk))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(kind="overdue").count() == 2  # bob and pat, once each


@pytest.mark.django_db(transaction=True)
def test_escalation_through_a_real_celery_worker(reference_data, sent, bob, pat, settings):
    """The beat task sent to the local Redis broker and run by a real worker."""
    redis_url = os.environ.get("REDIS_URL") or settings.TEST_REDIS_URL
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the worker test runs in CI's PostgreSQL pass with the local Redis")
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from depok_cases.celery import app

    _make_overdue(sent)
    # The worker runs in a thread of this process: its task_postrun signal
    # hands back each run's return value without a result backend.
    finished: list[int] = []
    done = threading.Event()

    def collect(sender=None, retval=None, **kwargs):
        if sender is escalate_overdue_referrals or getattr(sender, "name", "") == escalate_overdue_referrals.name:
            finished.append(retval)
            done.set()

    task_postrun.connect(collect, weak=False)
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            for expected_runs in (1, 2):
                done.clear()
                escalate_overdue_referrals.delay()
                assert done.wait(timeout=30), "the worker did not run the task"
                assert len(finished) == expected_runs
    finally:
        task_postrun.disconnect(collect)
        app.conf.update(task_always_eager=True)
    assert finished == [1, 0]
    assert set(Notification.objects.filter(kind="overdue").values_list("recipient_id", flat=True)) == {bob.pk, pat.pk}
    assert Referral.objects.get(pk=sent.pk).status == ReferralStatus.SENT
