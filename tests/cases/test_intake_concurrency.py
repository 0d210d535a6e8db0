"""Two submits of one draft at the same moment (a double tap on a slow
connection, or two tabs) make one case: the draft row lock serializes them.
Real concurrency needs PostgreSQL; SQLite's in-memory test database cannot
be shared by threads that write."""

import threading

import pytest
from django.db import connection, connections
from django.http import QueryDict

from cases import intake
from cases.forms_intake import IntakeChoices, IntakeForms, draft_fields_from_post
from cases.models import Case, Consent, IntakeDraft
from tests.cases.test_intake import full_intake

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def reference_lists(db):
    """Loaded by a migration; put back if an earlier transactional test flushed them."""
    from django.core.management import call_command

    from agencies.models import Kelurahan, ReferenceItem

    if not ReferenceItem.objects.exists() or not Kelurahan.objects.exists():
        call_command("load_reference_data", verbosity=0)


def _submission():
    post = QueryDict(mutable=True)
    for key, value in full_intake().items():
        post.setlist(key, value if isinstance(value, list) else [value])
    persons = intake.clean_person_list(
        [{"key": key, "kind": kind} for key, kind in (entry.split(":") for entry in post.getlist("persons"))]
    )
    choices = IntakeChoices()
    forms_ = IntakeForms(
        data={"persons": persons, "fields": draft_fields_from_post(post, persons, choices)}, choices=choices, bound=True
    )
    assert forms_.is_valid(), forms_.error_summary()
    return forms_.submission()


def test_two_simultaneous_submits_make_one_case(alice):
    draft = intake.draft_create(membership=alice, data=intake.new_draft_data())
    submission = _submission()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            results.append(
                intake.draft_submit(membership=alice, draft_id=draft.pk, revision=draft.revision, submission=submission)
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(created for _case, created in results) == [False, True]
    assert len({case.pk for case, _created in results}) == 1
    assert Case.objects.count() == 1
    assert Consent.objects.count() == 3
    assert IntakeDraft.objects.get(pk=draft.pk).submitted_case_id == results[0][0].pk
