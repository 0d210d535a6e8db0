"""Identity and free text are ciphertext in the database; rotation keeps
every case readable; a wrong key fails loudly."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases.fields import FieldDecryptionError, blind_index
from cases.models import Case, CaseNote, Person
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

NAME, NIK, PHONE = "Contoh Korban Rahasia", "3276019999990001", "081299998888"
STORY = "Kronologi yang sangat rahasia"


def _raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.fixture
def secret_case(uptd):
    case = CaseFactory(
        agency=uptd,
        chronology=STORY,
        victim__name=NAME,
        victim__nik=NIK,
        victim__phone=PHONE,
        victim__address="Jalan Rahasia 1",
    )
    CaseNote.objects.create(case=case, body="Catatan rahasia")
    return case


def test_the_raw_rows_hold_no_clear_identity_or_story(secret_case):
    person = Person.objects.get(case=secret_case)
    raw_person = _raw("cases_person", person.pk)
    for clear in (NAME, NIK, PHONE, "Jalan Rahasia", "Contoh", "3276019999", "0812"):
        assert clear not in raw_person
    assert STORY not in _raw("cases_case", secret_case.pk)
    assert "rahasia" not in _raw("cases_casenote", CaseNote.objects.get(case=secret_case).pk)
    # The blind indexes are keyed hashes of the normalized values.
    assert person.nik_hash == blind_index("nik", "3276 0199 9999 0001")
    assert person.phone_hash == blind_index("phone", "+62 812-9999-8888")
    assert person.name_hash == blind_index("name", "  contoh  KORBAN rahasia ")
    assert NIK not in person.nik_hash


def test_no_unique_constraint_on_the_hashes(uptd):
    CaseFactory(agency=uptd, victim__nik=NIK)
    CaseFactory(agency=uptd, victim__nik=NIK)
    assert Person.objects.filter(nik_hash=blind_index("nik", NIK)).count() == 2


def test_rotation_keeps_every_case_readable_and_is_resumable(secret_case, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = _raw("cases_case", secret_case.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        out = io.StringIO()
        call_command("reencrypt_cases", batch_size=1, stdout=out)
        assert NAME not in out.getvalue() and STORY not in out.getvalue()
        assert _raw("cases_case", secret_case.pk) != before
        # Running again resumes (nothing left) and changes nothing.
        after = _raw("cases_case", secret_case.pk)
        call_command("reencrypt_cases", stdout=io.StringIO())
        assert _raw("cases_case", secret_case.pk) == after
    # Now only the new key is needed.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert Case.objects.get(pk=secret_case.pk).chronology == STORY
        assert Person.objects.get(case=secret_case).name == NAME
        assert CaseNote.objects.get(case=secret_case).body == "Catatan rahasia"


def test_a_wrong_key_fails_loudly_without_the_value(secret_case):
    wrong_key = override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    with wrong_key, pytest.raises(FieldDecryptionError) as error:
        Case.objects.get(pk=secret_case.pk)
    assert STORY not in str(error.value) and "gAAAA" not in str(error.value)


def test_encrypted_fields_refuse_database_search(secret_case):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        list(Person.objects.filter(name=NAME))
