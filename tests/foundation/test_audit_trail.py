import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit.models import AuditEvent
from audit.selectors import audit_chain_verify
from audit.services import AuditDetailsError, audit_record


def record_three():
    return [audit_record(action="test.event", actor_id=n, target_type="thing", target_id=n) for n in (1, 2, 3)]


@pytest.mark.django_db
def test_each_event_names_the_hash_of_the_one_before():
    first, second, third = record_three()
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert audit_chain_verify().intact


@pytest.mark.django_db
def test_verify_audit_names_the_first_event_changed_behind_its_back(capsys):
    _, second, _ = record_three()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only the table owner can get past the trigger, and only like this.
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update")
        cursor.execute("UPDATE audit_auditevent SET action = 'test.tampered' WHERE id = %s", [second.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update")

    with pytest.raises(CommandError, match=f"broken at event {second.pk}"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_verify_audit_notices_a_deleted_event():
    _, second, third = record_three()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_delete")

    report = audit_chain_verify()
    assert report.first_broken_id == third.pk


@pytest.mark.django_db
def test_verify_audit_passes_on_an_intact_chain(capsys):
    record_three()
    call_command("verify_audit")
    assert "intact: 3 events" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_postgresql_refuses_update_and_delete_of_audit_rows(statement):
    if connection.vendor != "postgresql":
        pytest.skip("The append-only triggers are PostgreSQL's.")
    record_three()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_free_text_is_refused_in_details():
    story = "The victim, whose name is written here, told us that " * 3
    with pytest.raises(AuditDetailsError):
        audit_record(action="test.event", details={"note": story})
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_failed_audit_write_rolls_back_what_it_records(uptd):
    from agencies.models import Kecamatan

    name_before = Kecamatan.objects.first().name
    with pytest.raises(AuditDetailsError), transaction.atomic():
        Kecamatan.objects.update(name="Changed")
        audit_record(action="test.event", details={"note": "x" * 200})
    assert Kecamatan.objects.first().name == name_before


@pytest.mark.django_db
def test_production_grants_allow_only_insert_and_select_on_the_audit_table():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("apply_production_grants", role="depok_app_test")
        return
    with connection.cursor() as cursor:
        # Inside the test's transaction: the role and its grants roll back with it.
        cursor.execute("CREATE ROLE depok_app_test")
        call_command("apply_production_grants", role="depok_app_test")
        cursor.execute(
            "SELECT privilege, has_table_privilege('depok_app_test', 'audit_auditevent', privilege) "
            "FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS privilege"
        )
        audit_privileges = dict(cursor.fetchall())
        cursor.execute("SELECT has_table_privilege('depok_app_test', 'agencies_membership', 'UPDATE')")
        (can_update_memberships,) = cursor.fetchone()
    assert audit_privileges == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}
    assert can_update_memberships
