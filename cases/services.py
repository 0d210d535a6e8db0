"""Writes to cases. Each service checks the actor through the gate and the
state first, then writes state, history and audit in one transaction, and
announces the change (``cases.signals.case_changed``) once it commits.

Errors: ``CaseNotVisible`` (answer 404), ``CaseActionForbidden`` (403),
``StaleVersion`` (412), ``CaseStateError`` (409), ``IdempotencyConflict``
(422) and Django's ``ValidationError`` (400). Messages never repeat a value
the user typed.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import AgencyKind, Kelurahan, Membership, ReferenceItem, Role
from audit.services import audit_record, client_ip
from cases import grants
from cases.deadlines import POLICE_REPORT_STEP
from cases.models import (
    Case,
    CaseAssignment,
    CaseCreateRequest,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    Consent,
    ConsentGiver,
    ConsentPurpose,
    DatePrecision,
    DisclosureLevel,
    LegalStep,
    Party,
    PartyRole,
    PerpetratorRelation,
    Person,
    RegisterSequence,
    Service,
    is_child_at_incident,
)
from cases.selectors import CaseAction, CaseActionForbidden, CaseNotVisible, case_get
from cases.signals import send_case_changed_on_commit

__all__ = ["CaseActionForbidden", "CaseNotVisible"]


class StaleVersion(Exception):
    """The case changed since the version the client edited."""


class CaseStateError(Exception):
    """The transition or change does not fit the case's state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IdempotencyConflict(Exception):
    """An Idempotency-Key reused with a different request body."""


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit trail."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> "Origin":
        return cls(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


@dataclass
class PersonInput:
    roles: list[str]
    name: str = ""
    nik: str = ""
    birth_date: date | None = None
    estimated_age: int | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None
    marital_status: str | None = None
    religion: str | None = None
    has_disability: bool = False
    disability_kind: str | None = None
    phone: str = ""
    address: str = ""
    domicile_kelurahan: str | None = None
    safe_to_call: bool | None = None
    safe_to_message: bool | None = None
    safe_to_visit: bool | None = None
    contact_safety_notes: str = ""
    same_person_as_id: int | None = None
    violence_types: list[str] = field(default_factory=list)


@dataclass
class RelationInput:
    """Perpetrator ``perpetrator`` is ``relationship`` of victim ``victim``;
    both are indexes into the persons given with the case."""

    victim: int
    perpetrator: int
    relationship: str


@dataclass
class CaseInput:
    reported_at: datetime
    persons: list[PersonInput]
    relations: list[RelationInput] = field(default_factory=list)
    occurred_on: date | None = None
    occurred_precision: str = DatePrecision.DAY
    risk: str | None = None
    intake_channel: str | None = None
    place_category: str | None = None
    incident_kelurahan: str | None = None
    is_kdrt: bool = False
    is_tpks: bool = False
    chronology: str = ""
    local_case_type: str | None = None
    is_restricted: bool = False


# Reference fields: model attribute → taxonomy list key.
CASE_REFERENCE_FIELDS = {
    "risk": "kriteria_risiko",
    "intake_channel": "kanal_pengaduan",
    "place_category": "tempat_kejadian_simfoni",
    "local_case_type": "jenis_kasus_lokal_depok",
}
PERSON_REFERENCE_FIELDS = {
    "sex": "jenis_kelamin",
    "education": "pendidikan_simfoni",
    "occupation": "pekerjaan_simfoni",
    "marital_status": "status_perkawinan",
    "religion": "agama",
    "disability_kind": "disabilitas",
}
CASE_PLAIN_FIELDS = {
    "reported_at",
    "occurred_on",
    "occurred_precision",
    "is_kdrt",
    "is_tpks",
    "chronology",
    "is_restricted",
}
CASE_EDITABLE_FIELDS = CASE_PLAIN_FIELDS | set(CASE_REFERENCE_FIELDS) | {"incident_kelurahan"}
PERSON_PLAIN_FIELDS = {
    "name",
    "nik",
    "birth_date",
    "estimated_age",
    "has_disability",
    "phone",
    "address",
    "safe_to_call",
    "safe_to_message",
    "safe_to_visit",
    "contact_safety_notes",
}
PERSON_EDITABLE_FIELDS = (
    PERSON_PLAIN_FIELDS
    | set(PERSON_REFERENCE_FIELDS)
    | {"domicile_kelurahan", "same_person_as_id", "violence_types", "roles"}
)

# Local case types and the SIMFONI-PPA violence types they imply (a reference
# item's ``extra["simfoni"]`` overrides this, so administrators can adjust it).
LOCAL_TYPE_TO_SIMFONI = {
    "SEKSUAL": ["SEKSUAL"],
    "FISIK": ["FISIK"],
    "PSIKIS": ["PSIKIS"],
    "HAK_ASUH": ["PSIKIS"],
    "PENELANTARAN": ["PENELANTARAN"],
    "PORNOGRAFI": ["SEKSUAL"],
    "EKSPLOITASI": ["EKSPLOITASI"],
    "TPPO": ["TRAFFICKING"],
    "LAINNYA": ["LAINNYA"],
}


def simfoni_types_for_local(item: ReferenceItem | None) -> list[str]:
    if item is None:
        return []
    return list(item.extra.get("simfoni") or LOCAL_TYPE_TO_SIMFONI.get(item.code, []))


# --- small helpers -------------------------------------------------------------


def _reference(list_key: str, code: str | None, *, field_name: str) -> ReferenceItem | None:
    if code in (None, ""):
        return None
    item = ReferenceItem.objects.of(list_key).filter(code=code).first()
    if item is None:
        raise ValidationError({field_name: _("Not a known code of this list.")})
    return item


def _kelurahan(code: str | None, *, field_name: str) -> Kelurahan | None:
    if code in (None, ""):
        return None
    item = Kelurahan.objects.filter(code=code).first()
    if item is None:
        raise ValidationError({field_name: _("Not a known kelurahan code.")})
    return item


def _audit(*, actor: Membership, origin: Origin | None, action: str, case_id: int, details: dict | None = None):
    origin = origin or Origin()
    audit_record(
        action=action,
        actor_id=actor.user_id,
        agency_id=actor.agency_id,
        membership_id=actor.pk,
        target_type="case",
        target_id=case_id,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        details=details,
    )


def _locked_case(*, actor: Membership, case_id: int, action: CaseAction) -> tuple[Case, grants.Access]:
    """Pass the gate, then lock the case row (SELECT … FOR UPDATE) for the
    rest of the caller's transaction."""
    _case, access = case_get(membership=actor, case_id=case_id, action=action)
    case = Case.objects.select_for_update().get(pk=case_id)
    return case, access


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=["version", "updated_at", *fields])


def _mark_first_response(case: Case) -> None:
    """Stop the high-risk 24-hour clock: the first service, or the start of
    the assessment, is the first response. Not a version change."""
    if case.first_response_at is None:
        case.first_response_at = timezone.now()
        Case.objects.filter(pk=case.pk, first_response_at__isnull=True).update(first_response_at=case.first_response_at)


def _require_case_worker(actor: Membership) -> None:
    if actor is None or actor.role not in (Role.CASEWORKER, Role.SUPERVISOR) or not actor.is_active:
        raise CaseActionForbidden
    if not actor.agency.is_active:
        raise CaseActionForbidden


def _next_register_number() -> str:
    """Takes a row lock on the year's RegisterSequence until commit."""
    year = timezone.localdate().year
    RegisterSequence.objects.get_or_create(year=year)
    sequence = RegisterSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"DPK-{year}-{sequence.last_number:05d}"


def _validate_roles(roles: list[str]) -> list[str]:
    valid = set(PartyRole.values)
    if not roles or any(role not in valid for role in roles):
        raise ValidationError({"roles": _("Give one or more of: victim, perpetrator, reporter, witness.")})
    if PartyRole.VICTIM in roles and PartyRole.PERPETRATOR in roles:
        raise ValidationError({"roles": _("One person cannot be both victim and alleged perpetrator of a case.")})
    return list(dict.fromkeys(roles))


def _build_person(*, case: Case, data: PersonInput, actor: Membership) -> Person:
    person = Person(case=case)
    _apply_person_fields(person=person, values=data.__dict__, actor=actor)
    if data.birth_date is None and data.estimated_age is None and PartyRole.VICTIM in data.roles:
        raise ValidationError({"birth_date": _("Give the victim's birth date or an estimated age.")})
    person.save()
    return person


def _apply_person_fields(*, person: Person, values: dict, actor: Membership) -> list[str]:
    changed = []
    for name in PERSON_PLAIN_FIELDS & set(values):
        value = values[name]
        if name in {"name", "nik", "phone", "address", "contact_safety_notes"}:
            value = (value or "").strip()
        setattr(person, name, value)
        changed.append(name)
    if "nik" in values and person.nik and (not person.nik.isdigit() or len(person.nik) != 16):
        raise ValidationError({"nik": _("A NIK has 16 digits.")})
    if person.birth_date and person.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The birth date is in the future.")})
    for name, list_key in PERSON_REFERENCE_FIELDS.items():
        if name in values:
            setattr(person, name, _reference(list_key, values[name], field_name=name))
            changed.append(name)
    if "domicile_kelurahan" in values:
        person.domicile_kelurahan = _kelurahan(values["domicile_kelurahan"], field_name="domicile_kelurahan")
        changed.append("domicile_kelurahan")
    if "same_person_as_id" in values:
        person.same_person_as = _same_person(actor=actor, person=person, other_id=values["same_person_as_id"])
        changed.append("same_person_as")
    if person.disability_kind_id and not person.has_disability:
        person.has_disability = True
    return changed


def _same_person(*, actor: Membership, person: Person, other_id: int | None) -> Person | None:
    """A link only to a person in another case of the actor's own agency, that
    the actor sees as the owner."""
    if other_id is None:
        return None
    other = Person.objects.select_related("case").filter(pk=other_id).first()
    if (
        other is None
        or other.case.agency_id != actor.agency_id
        or other.case_id == person.case_id
        or case_get_access_or_none(actor=actor, case_id=other.case_id) != grants.Access.OWNER
    ):
        raise ValidationError({"same_person_as_id": _("Link only to a person in another case of your agency.")})
    return other


def case_get_access_or_none(*, actor: Membership, case_id: int) -> grants.Access | None:
    from cases.selectors import case_access

    return case_access(membership=actor, case_id=case_id)


def _set_parties(*, case: Case, person: Person, roles: list[str], violence_types: list[str]) -> list[Party]:
    roles = _validate_roles(roles)
    existing = {party.role: party for party in Party.objects.filter(person=person)}
    for role, party in existing.items():
        if role not in roles:
            party.delete()
    parties = []
    items = [
        _reference("jenis_kekerasan_simfoni", code, field_name="violence_types")
        for code in dict.fromkeys(violence_types)
    ]
    for role in roles:
        party = existing.get(role) or Party.objects.create(case=case, person=person, role=role)
        if role == PartyRole.VICTIM:
            party.violence_types.set(items)
        parties.append(party)
    if items and PartyRole.VICTIM not in roles:
        raise ValidationError({"violence_types": _("Violence types are recorded for victims.")})
    return parties


def _check_has_victim(case: Case) -> None:
    if not Party.objects.filter(case=case, role=PartyRole.VICTIM).exists():
        raise ValidationError({"persons": _("A case has at least one victim.")})


def _record_status(*, case: Case, actor: Membership, from_status: str, transition: str, reason: str = "") -> None:
    CaseStatusChange.objects.create(
        case=case, from_status=from_status, to_status=case.status, transition=transition, reason=reason, actor=actor
    )


# --- cases -----------------------------------------------------------------------


def case_create(
    *,
    actor: Membership,
    data: CaseInput,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    origin: Origin | None = None,
) -> tuple[Case, bool]:
    """Register a case with its parties; returns (case, created).

    With an ``idempotency_key``, a retry by the same membership returns the
    case the first request made (created False); the same key with another
    ``fingerprint`` raises ``IdempotencyConflict``. Locks the year's register
    sequence row while numbering.
    """
    _require_case_worker(actor)
    if idempotency_key:
        replay = _replayed(actor=actor, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay, False
    if not any(PartyRole.VICTIM in person.roles for person in data.persons):
        raise ValidationError({"persons": _("A case has at least one victim.")})
    try:
        with transaction.atomic():
            case = _create_case(actor=actor, data=data, origin=origin)
            if idempotency_key:
                CaseCreateRequest.objects.create(
                    membership=actor, key=idempotency_key, fingerprint=fingerprint, case=case
                )
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its case.
        if idempotency_key:
            replay = _replayed(actor=actor, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay, False
        raise
    return case, True


def _replayed(*, actor: Membership, key: str, fingerprint: str) -> Case | None:
    previous = CaseCreateRequest.objects.filter(membership=actor, key=key).select_related("case").first()
    if previous is None:
        return None
    if previous.fingerprint != fingerprint:
        raise IdempotencyConflict
    return previous.case


def _create_case(*, actor: Membership, data: CaseInput, origin: Origin | None) -> Case:
    case = Case(agency=actor.agency, created_by=actor, status=CaseStatus.DRAFT)
    _apply_case_fields(case=case, values=data.__dict__, actor=actor)
    case.register_number = _next_register_number()
    case.save()
    person_ids, parties_by_index = [], []
    for person_data in data.persons:
        person = _build_person(case=case, data=person_data, actor=actor)
        person_ids.append(person.pk)
        parties_by_index.append(
            {
                p.role: p
                for p in _set_parties(
                    case=case, person=person, roles=person_data.roles, violence_types=person_data.violence_types
                )
            }
        )
    for relation in data.relations:
        _add_relation(case=case, parties=parties_by_index, relation=relation)
    if actor.role == Role.CASEWORKER:
        CaseAssignment.objects.create(case=case, membership=actor)
    _record_status(case=case, actor=actor, from_status="", transition="create")
    _audit(actor=actor, origin=origin, action="case.created", case_id=case.pk, details={"person_ids": person_ids})
    send_case_changed_on_commit(case_id=case.pk, change="created")
    return case


def _add_relation(*, case: Case, parties: list[dict], relation: RelationInput) -> PerpetratorRelation:
    try:
        victim = parties[relation.victim][PartyRole.VICTIM]
        perpetrator = parties[relation.perpetrator][PartyRole.PERPETRATOR]
    except (IndexError, KeyError):
        raise ValidationError(
            {"relations": _("A relation links a victim to an alleged perpetrator of the case.")}
        ) from None
    item = _reference("hubungan_pelaku_simfoni", relation.relationship, field_name="relations")
    return PerpetratorRelation.objects.create(case=case, victim=victim, perpetrator=perpetrator, relationship=item)


def _apply_case_fields(*, case: Case, values: dict, actor: Membership) -> list[str]:
    changed = []
    for name in CASE_PLAIN_FIELDS & set(values):
        value = values[name]
        if name == "chronology":
            value = (value or "").strip()
        if name == "occurred_precision" and value not in DatePrecision.values:
            raise ValidationError({name: _("Give day, month or year.")})
        setattr(case, name, value)
        changed.append(name)
    for name, list_key in CASE_REFERENCE_FIELDS.items():
        if name in values:
            setattr(case, name, _reference(list_key, values[name], field_name=name))
            changed.append(name)
    if "incident_kelurahan" in values:
        case.incident_kelurahan = _kelurahan(values["incident_kelurahan"], field_name="incident_kelurahan")
        changed.append("incident_kelurahan")
    if case.occurred_on and case.occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The incident date is in the future.")})
    return changed


def case_update(
    *, actor: Membership, case_id: int, expected_version: int, changes: dict, origin: Origin | None = None
) -> Case:
    """Change the case's own fields if it is still at ``expected_version``
    (else ``StaleVersion``: never overwrite silently). Locks the case row."""
    unknown = set(changes) - CASE_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        if case.version != expected_version:
            raise StaleVersion
        if case.status == CaseStatus.ARCHIVED:
            raise CaseStateError(_("An archived case is read-only; a supervisor may reopen it."))
        was_restricted = case.is_restricted
        changed = _apply_case_fields(case=case, values=changes, actor=actor)
        if was_restricted and not case.is_restricted and actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        if case.is_restricted and not was_restricted and actor.role == Role.CASEWORKER:
            # Restricting must not lock out the caseworker doing it.
            CaseAssignment.objects.get_or_create(case=case, membership=actor)
        _bump(case, *changed)
        _audit(
            actor=actor,
            origin=origin,
            action="case.updated",
            case_id=case.pk,
            details={"fields": sorted(changed), "version": case.version},
        )
    send_case_changed_on_commit(case_id=case.pk, change="updated")
    return case


def case_assign(
    *, actor: Membership, case_id: int, membership_ids: list[int], origin: Origin | None = None
) -> list[int]:
    """A supervisor sets the caseworkers assigned to the case. Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        if actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        wanted = set(membership_ids)
        valid = set(
            Membership.objects.filter(
                pk__in=wanted, agency_id=case.agency_id, is_active=True, role__in=[Role.CASEWORKER, Role.SUPERVISOR]
            ).values_list("pk", flat=True)
        )
        if valid != wanted:
            raise ValidationError({"membership_ids": _("Assign only active caseworkers of the owning agency.")})
        CaseAssignment.objects.filter(case=case).exclude(membership_id__in=wanted).delete()
        present = set(CaseAssignment.objects.filter(case=case).values_list("membership_id", flat=True))
        CaseAssignment.objects.bulk_create(
            [CaseAssignment(case=case, membership_id=mid) for mid in sorted(wanted - present)]
        )
        _bump(case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.assigned",
            case_id=case.pk,
            details={"membership_ids": sorted(wanted)},
        )
    send_case_changed_on_commit(case_id=case.pk, change="assigned")
    return sorted(wanted)


# --- the workflow ------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    supervisor_only: bool = False
    needs_reason: bool = False


S = CaseStatus
TRANSITIONS: dict[str, Transition] = {
    "open": Transition((S.DRAFT,), S.OPEN),
    "start_assessment": Transition((S.OPEN,), S.ASSESSMENT),
    "plan_intervention": Transition((S.ASSESSMENT,), S.INTERVENTION_PLAN),
    "start_service": Transition((S.INTERVENTION_PLAN,), S.IN_SERVICE),
    "start_monitoring": Transition((S.IN_SERVICE,), S.MONITORING),
    "request_closure": Transition((S.IN_SERVICE, S.MONITORING), S.CLOSURE_REQUESTED, needs_reason=True),
    "approve_closure": Transition((S.CLOSURE_REQUESTED,), S.CLOSED, supervisor_only=True),
    "return_closure": Transition((S.CLOSURE_REQUESTED,), S.MONITORING, supervisor_only=True, needs_reason=True),
    "archive": Transition((S.CLOSED,), S.ARCHIVED, supervisor_only=True),
    "reopen": Transition((S.CLOSED, S.ARCHIVED), S.OPEN, supervisor_only=True, needs_reason=True),
}


def case_transition(
    *,
    actor: Membership,
    case_id: int,
    transition: str,
    reason: str = "",
    expected_version: int | None = None,
    origin: Origin | None = None,
) -> Case:
    """Move the case through the workflow. Checks the actor (owner; some steps
    supervisors only) and the state, then writes status, history and audit;
    archiving also ends every grant on the case. Locks the case row."""
    step = TRANSITIONS.get(transition)
    if step is None:
        raise ValidationError({"transition": _("Unknown transition.")})
    reason = (reason or "").strip()
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        if step.supervisor_only and actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        if expected_version is not None and case.version != expected_version:
            raise StaleVersion
        if case.status not in step.sources:
            raise CaseStateError(_("This step is not possible in the case's current status."))
        if step.needs_reason and not reason:
            raise ValidationError({"reason": _("Give a reason for this step.")})
        from_status = case.status
        case.status = step.target
        _bump(case, "status")
        _record_status(case=case, actor=actor, from_status=from_status, transition=transition, reason=reason)
        if step.target == S.ASSESSMENT:
            _mark_first_response(case)
        ended = grants.revoke_all_case_access(case=case) if step.target == S.ARCHIVED else 0
        _audit(
            actor=actor,
            origin=origin,
            action="case.transition",
            case_id=case.pk,
            details={"transition": transition, "from": from_status, "to": case.status, "grants_ended": ended},
        )
    send_case_changed_on_commit(case_id=case.pk, change=f"transition:{transition}")
    return case


# --- persons and parties ---------------------------------------------------------------


def person_add(*, actor: Membership, case_id: int, data: PersonInput, origin: Origin | None = None) -> Person:
    """Add a person in one or more roles. Locks the case row; bumps its version."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        _refuse_archived(case)
        person = _build_person(case=case, data=data, actor=actor)
        _set_parties(case=case, person=person, roles=data.roles, violence_types=data.violence_types)
        _bump(case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.person_added",
            case_id=case.pk,
            details={"person_ids": [person.pk], "roles": sorted(data.roles)},
        )
    send_case_changed_on_commit(case_id=case.pk, change="person_added")
    return person


def person_update(
    *,
    actor: Membership,
    case_id: int,
    person_id: int,
    expected_version: int,
    changes: dict,
    origin: Origin | None = None,
) -> Person:
    """Change a person of the case if the case is still at ``expected_version``.
    Locks the case row; bumps its version."""
    unknown = set(changes) - PERSON_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        if case.version != expected_version:
            raise StaleVersion
        _refuse_archived(case)
        person = Person.objects.filter(case=case, pk=person_id).first()
        if person is None:
            raise CaseNotVisible
        changed = _apply_person_fields(person=person, values=changes, actor=actor)
        person.save()
        if "roles" in changes or "violence_types" in changes:
            roles = changes.get("roles") or list(person.parties.values_list("role", flat=True))
            types = changes.get("violence_types")
            if types is None:
                victim = person.parties.filter(role=PartyRole.VICTIM).first()
                types = list(victim.violence_types.values_list("code", flat=True)) if victim else []
            _set_parties(case=case, person=person, roles=roles, violence_types=types)
            _check_has_victim(case)
            changed += ["roles", "violence_types"]
        _bump(case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.person_updated",
            case_id=case.pk,
            details={"person_ids": [person.pk], "fields": sorted(set(changed))},
        )
    send_case_changed_on_commit(case_id=case.pk, change="person_updated")
    return person


def relation_add(
    *,
    actor: Membership,
    case_id: int,
    victim_party_id: int,
    perpetrator_party_id: int,
    relationship: str,
    origin: Origin | None = None,
) -> PerpetratorRelation:
    """Record how an alleged perpetrator is related to a victim. Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        victim = Party.objects.filter(case=case, pk=victim_party_id, role=PartyRole.VICTIM).first()
        perpetrator = Party.objects.filter(case=case, pk=perpetrator_party_id, role=PartyRole.PERPETRATOR).first()
        if victim is None or perpetrator is None:
            raise ValidationError({"relations": _("A relation links a victim to an alleged perpetrator of the case.")})
        item = _reference("hubungan_pelaku_simfoni", relationship, field_name="relationship")
        relation, _created = PerpetratorRelation.objects.update_or_create(
            victim=victim, perpetrator=perpetrator, defaults={"case": case, "relationship": item}
        )
        _bump(case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.relation_recorded",
            case_id=case.pk,
            details={"victim_party_id": victim.pk, "perpetrator_party_id": perpetrator.pk},
        )
    send_case_changed_on_commit(case_id=case.pk, change="relation_recorded")
    return relation


def _refuse_archived(case: Case) -> None:
    if case.status == CaseStatus.ARCHIVED:
        raise CaseStateError(_("An archived case is read-only; a supervisor may reopen it."))


def _victim(case: Case, party_id: int) -> Party:
    victim = Party.objects.select_related("person").filter(case=case, pk=party_id, role=PartyRole.VICTIM).first()
    if victim is None:
        raise ValidationError({"victim_id": _("Choose a victim of this case.")})
    return victim


# --- services, notes, legal steps ----------------------------------------------------------


def service_add(
    *,
    actor: Membership,
    case_id: int,
    victim_party_id: int,
    given_on: date,
    service_type: str,
    notes: str = "",
    origin: Origin | None = None,
) -> Service:
    """Record a service the actor's agency gave a victim (a receiving agency
    may, within its grant). Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.ADD_SERVICE)
        _refuse_archived(case)
        victim = _victim(case, victim_party_id)
        if given_on > timezone.localdate():
            raise ValidationError({"given_on": _("The date is in the future.")})
        service = Service.objects.create(
            case=case,
            victim=victim,
            given_on=given_on,
            service_type=_reference("jenis_layanan_simfoni", service_type, field_name="service_type"),
            provider_id=actor.agency_id,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        _mark_first_response(case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.service_added",
            case_id=case.pk,
            details={"service_id": service.pk, "person_ids": [victim.person_id]},
        )
    send_case_changed_on_commit(case_id=case.pk, change="service_added")
    return service


def note_add(*, actor: Membership, case_id: int, body: str, origin: Origin | None = None) -> CaseNote:
    """Add a note (owner, or a full grant). Locks the case row."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("A note cannot be empty.")})
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.ADD_NOTE)
        _refuse_archived(case)
        note = CaseNote.objects.create(case=case, body=body, author=actor)
        _audit(actor=actor, origin=origin, action="case.note_added", case_id=case.pk, details={"note_id": note.pk})
    send_case_changed_on_commit(case_id=case.pk, change="note_added")
    return note


def legal_step_add(
    *, actor: Membership, case_id: int, step: str, occurred_on: date, notes: str = "", origin: Origin | None = None
) -> LegalStep:
    """Record a step of the legal process (owner, or a full grant). Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.ADD_LEGAL_STEP)
        _refuse_archived(case)
        if occurred_on > timezone.localdate():
            raise ValidationError({"occurred_on": _("The date is in the future.")})
        legal_step = LegalStep.objects.create(
            case=case,
            step=_reference("proses_hukum", step, field_name="step"),
            occurred_on=occurred_on,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        if legal_step.step.code == POLICE_REPORT_STEP and (
            case.police_reported_on is None or occurred_on < case.police_reported_on
        ):
            # Stops the TPKS 3x24-hour clock (UU 12/2022) from the earliest report.
            case.police_reported_on = occurred_on
            Case.objects.filter(pk=case.pk).update(police_reported_on=occurred_on)
        _audit(
            actor=actor,
            origin=origin,
            action="case.legal_step_added",
            case_id=case.pk,
            details={"legal_step_id": legal_step.pk, "step": legal_step.step.code},
        )
    send_case_changed_on_commit(case_id=case.pk, change="legal_step_added")
    return legal_step


# --- consent -----------------------------------------------------------------------------------


def consent_record(
    *,
    actor: Membership,
    case_id: int,
    victim_party_id: int,
    given_by_person_id: int,
    given_by_capacity: str,
    purpose: str,
    agency_kinds: list[str],
    disclosure_level: str,
    given_on: date,
    notes: str = "",
    origin: Origin | None = None,
) -> Consent:
    """Record a consent. The victim gives it; for a child (under 18 at the
    incident) a parent or guardian does; the alleged perpetrator never does.
    Locks the case row."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if disclosure_level not in DisclosureLevel.values:
        raise ValidationError({"disclosure_level": _("Give limited, contact or full.")})
    if given_by_capacity not in ConsentGiver.values:
        raise ValidationError({"given_by_capacity": _("Give victim, parent or guardian.")})
    kinds = list(dict.fromkeys(agency_kinds or []))
    if not kinds or any(kind not in AgencyKind.values for kind in kinds):
        raise ValidationError({"agency_kinds": _("Name the kinds of agency the consent covers.")})
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        _refuse_archived(case)
        victim = _victim(case, victim_party_id)
        giver = Person.objects.filter(case=case, pk=given_by_person_id).first()
        if giver is None:
            raise ValidationError({"given_by_person_id": _("Choose a person of this case.")})
        if (
            Party.objects.filter(person=giver, role=PartyRole.PERPETRATOR).exists()
            or PerpetratorRelation.objects.filter(victim=victim, perpetrator__person=giver).exists()
        ):
            raise ValidationError({"given_by_person_id": _("The alleged perpetrator cannot give consent.")})
        child = is_child_at_incident(person=victim.person, case=case)
        if child:
            if given_by_capacity not in (ConsentGiver.PARENT, ConsentGiver.GUARDIAN) or giver.pk == victim.person_id:
                raise ValidationError({"given_by_capacity": _("For a child, a parent or guardian gives consent.")})
        elif given_by_capacity != ConsentGiver.VICTIM or giver.pk != victim.person_id:
            raise ValidationError({"given_by_capacity": _("An adult victim gives consent personally.")})
        if given_on > timezone.localdate():
            raise ValidationError({"given_on": _("The date is in the future.")})
        consent = Consent.objects.create(
            case=case,
            victim=victim,
            given_by=giver,
            given_by_capacity=given_by_capacity,
            purpose=purpose,
            agency_kinds=kinds,
            disclosure_level=disclosure_level,
            given_on=given_on,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        _audit(
            actor=actor,
            origin=origin,
            action="case.consent_recorded",
            case_id=case.pk,
            details={
                "consent_id": consent.pk,
                "purpose": purpose,
                "level": disclosure_level,
                "person_ids": [victim.person_id, giver.pk],
            },
        )
    send_case_changed_on_commit(case_id=case.pk, change="consent_recorded")
    return consent


def consent_withdraw(
    *, actor: Membership, case_id: int, consent_id: int, withdrawn_on: date, origin: Origin | None = None
) -> Consent:
    """Record that a consent was withdrawn. When no consent to referral remains
    in force on the case, every grant on it ends (on the very next request).
    Locks the case row."""
    with transaction.atomic():
        case, _access = _locked_case(actor=actor, case_id=case_id, action=CaseAction.CHANGE)
        consent = Consent.objects.filter(case=case, pk=consent_id).first()
        if consent is None:
            raise CaseNotVisible
        if consent.withdrawn_on is not None:
            raise CaseStateError(_("This consent was already withdrawn."))
        if withdrawn_on < consent.given_on or withdrawn_on > timezone.localdate():
            raise ValidationError({"withdrawn_on": _("The date must lie between the consent and today.")})
        consent.withdrawn_on = withdrawn_on
        consent.save(update_fields=["withdrawn_on"])
        ended = 0
        if (
            consent.purpose == ConsentPurpose.REFERRAL
            and not Consent.objects.filter(
                case=case, purpose=ConsentPurpose.REFERRAL, withdrawn_on__isnull=True
            ).exists()
        ):
            ended = grants.revoke_all_case_access(case=case)
        _audit(
            actor=actor,
            origin=origin,
            action="case.consent_withdrawn",
            case_id=case.pk,
            details={"consent_id": consent.pk, "grants_ended": ended},
        )
    send_case_changed_on_commit(case_id=case.pk, change="consent_withdrawn")
    return consent
