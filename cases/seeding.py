"""The one bulk seeder of case data, used by the demo and the benchmark.

Callers describe cases as ``CaseSpec`` values (reference data by code); the
seeder encrypts, hashes and writes them in batches: PostgreSQL ``COPY`` on
PostgreSQL, batched ``executemany`` elsewhere. Ids are allocated up front
(seeding is an administrator's job, not run beside other writers) and the
sequences are moved past them at the end. Register numbers continue each
year's ``RegisterSequence``.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import ReferenceItem
from cases.fields import blind_index, encrypt_text
from cases.grants import LEVEL_CODENAMES, Access
from cases.models import (
    Case,
    CaseAssignment,
    CaseGroupObjectPermission,
    CasePlan,
    CaseStatusChange,
    CaseTask,
    LegalStep,
    Party,
    PerpetratorRelation,
    Person,
    RegisterSequence,
    Service,
)


@dataclass
class PersonSpec:
    roles: list[str]
    name: str
    nik: str = ""
    phone: str = ""
    address: str = ""
    birth_date: date | None = None
    estimated_age: int | None = None
    sex: str | None = None
    domicile_kelurahan_id: int | None = None
    safe_to_call: bool | None = None
    violence_types: list[str] = field(default_factory=list)


@dataclass
class TaskSpec:
    title: str
    owner_id: int
    due_on: date
    done_at: datetime | None = None


@dataclass
class CaseSpec:
    agency_id: int
    reported_at: datetime
    persons: list[PersonSpec]
    status: str = "open"
    occurred_on: date | None = None
    risk: str | None = None
    intake_channel: str | None = None
    place_category: str | None = None
    incident_kelurahan_id: int | None = None
    is_kdrt: bool = False
    is_tpks: bool = False
    chronology: str = ""
    local_case_type: str | None = None
    is_restricted: bool = False
    relation: tuple[int, int, str] | None = None  # (victim index, perpetrator index, hubungan code)
    services: list[tuple[date, str, int]] = field(default_factory=list)  # (date, layanan code, provider agency id)
    legal_steps: list[tuple[date, str]] = field(default_factory=list)
    assigned_membership_ids: list[int] = field(default_factory=list)
    grants: list[tuple[int, Access]] = field(default_factory=list)  # (group id, level)
    # The legal clocks, stopped as the services would have stopped them.
    first_response_at: datetime | None = None
    police_reported_on: date | None = None
    # The workflow as it happened: (from status, to status, transition, when, reason).
    history: list[tuple[str, str, str, datetime, str]] = field(default_factory=list)
    plan: tuple[str, str] | None = None  # (assessment, intervention plan)
    tasks: list[TaskSpec] = field(default_factory=list)
    extra_group_codename: tuple[int, str] | None = None  # benchmark yardstick: (group id, codename)


_REFERENCE_LISTS = {
    "risk": "kriteria_risiko",
    "intake_channel": "kanal_pengaduan",
    "place_category": "tempat_kejadian_simfoni",
    "local_case_type": "jenis_kasus_lokal_depok",
    "sex": "jenis_kelamin",
    "violence": "jenis_kekerasan_simfoni",
    "relationship": "hubungan_pelaku_simfoni",
    "service": "jenis_layanan_simfoni",
    "legal": "proses_hukum",
}


class _Tables:
    """Rows per table for one batch, with the columns each table takes."""

    def __init__(self):
        self.rows: dict[type, list[list]] = defaultdict(list)
        self.columns: dict[type, list[str]] = {}
        self.tables: dict[type, str] = {}

    def add(self, key, table: str, values: dict) -> None:
        if key not in self.columns:
            self.columns[key] = list(values)
            self.tables[key] = table
        self.rows[key].append(list(values.values()))


def _next_ids(model, count: int) -> int:
    """First id of a block of ``count`` fresh ids."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


def _reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(_NoStyle(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _write(tables: _Tables) -> None:
    with connection.cursor() as cursor:
        for key, rows in tables.rows.items():
            if not rows:
                continue
            table, columns = tables.tables[key], tables.columns[key]
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in rows:
                    writer.writerow(
                        ["\\N" if v is None else ("t" if v is True else "f" if v is False else v) for v in row]
                    )
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                    [[_adapt(v) for v in row] for row in rows],
                )


def seed_cases(
    *,
    specs: Iterable[CaseSpec],
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Write the cases described by ``specs``; returns their ids.

    Each batch is its own transaction. Encryption and blind indexes are the
    same as the model fields' (one module: ``cases.fields``).
    """
    refs: dict[str, dict[str, int]] = {
        name: dict(ReferenceItem.objects.of(list_key).values_list("code", "id"))
        for name, list_key in _REFERENCE_LISTS.items()
    }
    permission_ids = dict(Permission.objects.filter(content_type__app_label="cases").values_list("codename", "id"))
    m2m_table = Party.violence_types.through._meta.db_table
    all_ids: list[int] = []
    now = timezone.now()
    for batch in _chunks(specs, batch_size):
        with transaction.atomic():
            ids = _seed_batch(batch, refs=refs, permission_ids=permission_ids, m2m_table=m2m_table, now=now)
        all_ids.extend(ids)
        if progress:
            progress(len(all_ids))
    with transaction.atomic():
        _reset_sequences(
            [
                Case,
                Person,
                Party,
                PerpetratorRelation,
                Service,
                LegalStep,
                CaseStatusChange,
                CasePlan,
                CaseTask,
                CaseAssignment,
                CaseGroupObjectPermission,
                Party.violence_types.through,
            ]
        )
    return all_ids


def _seed_batch(batch: list[CaseSpec], *, refs, permission_ids, m2m_table, now) -> list[int]:
    tables = _Tables()
    person_count = sum(len(spec.persons) for spec in batch)
    party_count = sum(len(p.roles) for spec in batch for p in spec.persons)
    next_case = _next_ids(Case, len(batch))
    next_person = _next_ids(Person, person_count)
    next_party = _next_ids(Party, party_count)
    counters = {
        "relation": _next_ids(PerpetratorRelation, 0),
        "service": _next_ids(Service, 0),
        "legal": _next_ids(LegalStep, 0),
        "history": _next_ids(CaseStatusChange, 0),
        "plan": _next_ids(CasePlan, 0),
        "task": _next_ids(CaseTask, 0),
        "assignment": _next_ids(CaseAssignment, 0),
        "grant": _next_ids(CaseGroupObjectPermission, 0),
        "m2m": _next_ids(Party.violence_types.through, 0),
    }

    def take(name: str) -> int:
        value = counters[name]
        counters[name] += 1
        return value

    years = sorted({timezone.localtime(spec.reported_at).year for spec in batch})
    for year in years:
        RegisterSequence.objects.get_or_create(year=year)
    sequences = {s.year: s for s in RegisterSequence.objects.select_for_update().filter(year__in=years)}

    ref = lambda name, code: refs[name][code] if code else None  # noqa: E731
    case_ids = []
    for spec in batch:
        case_id = next_case
        next_case += 1
        case_ids.append(case_id)
        sequence = sequences[timezone.localtime(spec.reported_at).year]
        sequence.last_number += 1
        tables.add(
            Case,
            Case._meta.db_table,
            {
                "id": case_id,
                "register_number": f"DPK-{sequence.year}-{sequence.last_number:05d}",
                "agency_id": spec.agency_id,
                "is_restricted": spec.is_restricted,
                "status": spec.status,
                "risk_id": ref("risk", spec.risk),
                "intake_channel_id": ref("intake_channel", spec.intake_channel),
                "reported_at": spec.reported_at,
                "occurred_on": spec.occurred_on,
                "occurred_precision": "day",
                "place_category_id": ref("place_category", spec.place_category),
                "incident_kelurahan_id": spec.incident_kelurahan_id,
                "is_kdrt": spec.is_kdrt,
                "is_tpks": spec.is_tpks,
                "chronology": encrypt_text(spec.chronology),
                "local_case_type_id": ref("local_case_type", spec.local_case_type),
                "version": 1,
                "first_response_at": spec.first_response_at,
                "police_reported_on": spec.police_reported_on,
                "created_by_id": None,
                "created_at": spec.reported_at,
                "updated_at": now,
            },
        )
        parties_by_index: list[dict[str, int]] = []
        for person in spec.persons:
            person_id = next_person
            next_person += 1
            tables.add(
                Person,
                Person._meta.db_table,
                {
                    "id": person_id,
                    "case_id": case_id,
                    "name": encrypt_text(person.name),
                    "name_hash": blind_index("name", person.name),
                    "nik": encrypt_text(person.nik),
                    "nik_hash": blind_index("nik", person.nik),
                    "birth_date": person.birth_date,
                    "estimated_age": person.estimated_age,
                    "sex_id": ref("sex", person.sex),
                    "education_id": None,
                    "occupation_id": None,
                    "marital_status_id": None,
                    "religion_id": None,
                    "has_disability": False,
                    "disability_kind_id": None,
                    "phone": encrypt_text(person.phone),
                    "phone_hash": blind_index("phone", person.phone),
                    "address": encrypt_text(person.address),
                    "domicile_kelurahan_id": person.domicile_kelurahan_id,
                    "safe_to_call": person.safe_to_call,
                    "safe_to_message": None,
                    "safe_to_visit": None,
                    "contact_safety_notes": "",
                    "same_person_as_id": None,
                    "created_at": spec.reported_at,
                },
            )
            parties = {}
            for role in person.roles:
                party_id = next_party
                next_party += 1
                parties[role] = party_id
                tables.add(
                    Party,
                    Party._meta.db_table,
                    {"id": party_id, "case_id": case_id, "person_id": person_id, "role": role},
                )
                if role == "victim":
                    for code in person.violence_types:
                        tables.add(
                            "m2m",
                            m2m_table,
                            {"id": take("m2m"), "party_id": party_id, "referenceitem_id": refs["violence"][code]},
                        )
            parties_by_index.append(parties)
        if spec.relation:
            victim_index, perpetrator_index, code = spec.relation
            tables.add(
                PerpetratorRelation,
                PerpetratorRelation._meta.db_table,
                {
                    "id": take("relation"),
                    "case_id": case_id,
                    "victim_id": parties_by_index[victim_index]["victim"],
                    "perpetrator_id": parties_by_index[perpetrator_index]["perpetrator"],
                    "relationship_id": refs["relationship"][code],
                },
            )
        first_victim = next(p["victim"] for p in parties_by_index if "victim" in p)
        for given_on, code, provider_id in spec.services:
            tables.add(
                Service,
                Service._meta.db_table,
                {
                    "id": take("service"),
                    "case_id": case_id,
                    "victim_id": first_victim,
                    "given_on": given_on,
                    "service_type_id": refs["service"][code],
                    "provider_id": provider_id,
                    "notes": "",
                    "recorded_by_id": None,
                    "created_at": spec.reported_at,
                },
            )
        for occurred_on, code in spec.legal_steps:
            tables.add(
                LegalStep,
                LegalStep._meta.db_table,
                {
                    "id": take("legal"),
                    "case_id": case_id,
                    "step_id": refs["legal"][code],
                    "occurred_on": occurred_on,
                    "notes": "",
                    "recorded_by_id": None,
                    "created_at": spec.reported_at,
                },
            )
        history = spec.history or [("", "draft", "create", spec.reported_at, "")]
        if not spec.history and spec.status != "draft":
            history.append(("draft", spec.status, "seed", spec.reported_at, ""))
        for from_status, to_status, transition, changed_at, reason in history:
            tables.add(
                CaseStatusChange,
                CaseStatusChange._meta.db_table,
                {
                    "id": take("history"),
                    "case_id": case_id,
                    "from_status": from_status,
                    "to_status": to_status,
                    "transition": transition,
                    "reason": encrypt_text(reason),
                    "actor_id": spec.assigned_membership_ids[0] if spec.assigned_membership_ids else None,
                    "changed_at": changed_at,
                },
            )
        if spec.plan:
            assessment, intervention_plan = spec.plan
            tables.add(
                CasePlan,
                CasePlan._meta.db_table,
                {
                    "id": take("plan"),
                    "case_id": case_id,
                    "assessment": encrypt_text(assessment),
                    "intervention_plan": encrypt_text(intervention_plan),
                    "version": 1,
                    "updated_by_id": spec.assigned_membership_ids[0] if spec.assigned_membership_ids else None,
                    "updated_at": now,
                },
            )
        for task in spec.tasks:
            tables.add(
                CaseTask,
                CaseTask._meta.db_table,
                {
                    "id": take("task"),
                    "case_id": case_id,
                    "title": encrypt_text(task.title),
                    "owner_id": task.owner_id,
                    "due_on": task.due_on,
                    "done_at": task.done_at,
                    "done_by_id": task.owner_id if task.done_at else None,
                    "created_by_id": task.owner_id,
                    "created_at": spec.reported_at,
                },
            )
        for membership_id in spec.assigned_membership_ids:
            tables.add(
                CaseAssignment,
                CaseAssignment._meta.db_table,
                {
                    "id": take("assignment"),
                    "case_id": case_id,
                    "membership_id": membership_id,
                    "assigned_at": spec.reported_at,
                },
            )
        grant_rows = [(group_id, permission_ids[LEVEL_CODENAMES[level]]) for group_id, level in spec.grants]
        if spec.extra_group_codename:
            group_id, codename = spec.extra_group_codename
            grant_rows.append((group_id, permission_ids[codename]))
        for group_id, permission_id in grant_rows:
            tables.add(
                CaseGroupObjectPermission,
                CaseGroupObjectPermission._meta.db_table,
                {
                    "id": take("grant"),
                    "group_id": group_id,
                    "permission_id": permission_id,
                    "content_object_id": case_id,
                },
            )
    _write(tables)
    for sequence in sequences.values():
        sequence.save(update_fields=["last_number"])
    return case_ids
