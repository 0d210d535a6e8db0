"""Intake drafts: services and selectors of the browser intake flow.

A caseworker fills in one long form (the incident, victims, alleged
perpetrators, the reporter and others, relationships, violence types,
consent). The form autosaves on the server as an ``IntakeDraft`` that belongs
to one membership only; anyone else is told it does not exist. Submitting a
draft makes exactly one case, however often the request is repeated: the
draft row is locked, a submitted draft answers with its case, and
``case_create`` is called with an idempotency key derived from the draft.

The draft's ``data`` is one JSON document, encrypted at rest::

    {"v": 1,
     "persons": [{"key": "p1", "kind": "victim"}, ...],
     "fields": {"incident-chronology": "...", "person-p1-name": "...", ...}}

``fields`` holds what the person typed, exactly as typed (even when invalid),
keyed by form field name, so a resumed or refused form shows everything again.
``cases.forms_intake`` reads and writes it; this module stores it, checks a
NIK, finds "same person as" candidates through the gate, and maps validated
input onto ``CaseInput`` and ``consent_record``.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Membership
from audit.services import audit_record
from cases.fields import normalize_nik
from cases.models import ADULT_AGE, Case, IntakeDraft, Party, PartyRole, Person
from cases.selectors import person_link_candidates
from cases.services import CaseInput, Origin, case_create, consent_record

DRAFT_FORMAT_VERSION = 1
# A home queue shows a handful; older drafts stay reachable from the intake page.
DRAFT_LIST_LIMIT = 10
MAX_PERSONS = 20
PERSON_KINDS = ("victim", "perpetrator", "other")
_PERSON_KEY = re.compile(r"^p[1-9][0-9]{0,2}$")

# Province codes of the NIK's first two digits: the Kemendagri codes of the 38
# provinces (Permendagri 72/2019 on regional codes, with the four Papua
# provinces formed in 2022 — Kepmendagri 100.1.1-6117/2022: 93 Papua Selatan,
# 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",  # Sumatra, Riau Islands
        "31", "32", "33", "34", "35", "36",  # Java
        "51", "52", "53",  # Bali, Nusa Tenggara
        "61", "62", "63", "64", "65",  # Kalimantan
        "71", "72", "73", "74", "75", "76",  # Sulawesi
        "81", "82",  # Maluku
        "91", "92", "93", "94", "95", "96",  # Papua
    }
)  # fmt: skip
# Kota Depok: province 32 (Jawa Barat), city 76. A NIK from elsewhere is normal.
DEPOK_NIK_PREFIX = "3276"
# In a woman's NIK the day of birth is written plus 40.
WOMAN_DAY_OFFSET = 40


class DraftNotFound(Exception):
    """No such draft for this membership (answer 404, as for a missing one)."""


class DraftStale(Exception):
    """The draft was saved elsewhere (another tab) since this copy was loaded."""


class DraftAlreadySubmitted(Exception):
    def __init__(self, case_id: int):
        super().__init__(case_id)
        self.case_id = case_id


# --- NIK ------------------------------------------------------------------------


@dataclass
class NikCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def nik_check(nik: str, *, sex: str | None = None, birth_date: date | None = None) -> NikCheck:
    """Check a NIK's shape: 16 digits, a real province code and a plausible
    birth date part (day 01–31, or 41–71 for women; month 01–12). A NIK from
    outside Depok, or one that disagrees with the sex or birth date given, is
    a warning only: people move, and typos happen in either field."""
    result = NikCheck()
    value = (nik or "").strip()
    if not value:
        return result
    digits = normalize_nik(value)
    if digits != value.replace(" ", "").replace(".", "") or len(digits) != 16:
        result.errors.append(_("A NIK has exactly 16 digits."))
        return result
    if digits[:2] not in PROVINCE_CODES:
        result.errors.append(_("The first two digits are not a province code."))
    day, month = int(digits[6:8]), int(digits[8:10])
    is_woman_day = WOMAN_DAY_OFFSET + 1 <= day <= WOMAN_DAY_OFFSET + 31
    if not (1 <= day <= 31 or is_woman_day) or not 1 <= month <= 12:
        result.errors.append(_("Digits 7 to 12 are not a plausible date of birth."))
    if result.errors:
        return result
    if not digits.startswith(DEPOK_NIK_PREFIX):
        result.warnings.append(_("This NIK was issued outside Kota Depok. That is fine; check the digits once more."))
    if sex == "L" and is_woman_day:
        result.warnings.append(_("This NIK is written as a woman's, but the sex given is male."))
    elif sex == "P" and not is_woman_day:
        result.warnings.append(_("This NIK is written as a man's, but the sex given is female."))
    if birth_date is not None:
        nik_day = day - WOMAN_DAY_OFFSET if is_woman_day else day
        if (nik_day, month, int(digits[10:12])) != (birth_date.day, birth_date.month, birth_date.year % 100):
            result.warnings.append(_("The birth date in the NIK differs from the birth date given."))
    return result


# --- age --------------------------------------------------------------------------


def age_at(*, birth_date: date | None, estimated_age: int | None, on_day: date) -> int | None:
    """Age on ``on_day`` from the birth date, else the estimate (the model's rule)."""
    return Person(birth_date=birth_date, estimated_age=estimated_age).age_on(on_day)


def is_child(age: int | None) -> bool | None:
    return None if age is None else age < ADULT_AGE


# --- draft data -----------------------------------------------------------------------


def new_draft_data() -> dict:
    """A fresh intake: one victim, one alleged perpetrator and the reporter,
    the usual shape of a report; each can be removed."""
    return {
        "v": DRAFT_FORMAT_VERSION,
        "persons": [
            {"key": "p1", "kind": "victim"},
            {"key": "p2", "kind": "perpetrator"},
            {"key": "p3", "kind": "other"},
        ],
        "fields": {},
    }


def clean_person_list(persons) -> list[dict]:
    """The persons list as a client sent it, or [] when it is not one we made."""
    cleaned, seen = [], set()
    for entry in persons if isinstance(persons, list) else []:
        if not isinstance(entry, dict):
            continue
        key, kind = entry.get("key"), entry.get("kind")
        if isinstance(key, str) and _PERSON_KEY.match(key) and kind in PERSON_KINDS and key not in seen:
            seen.add(key)
            cleaned.append({"key": key, "kind": kind})
    return cleaned[:MAX_PERSONS]


def next_person_key(persons: list[dict]) -> str:
    used = {int(person["key"][1:]) for person in persons}
    return f"p{max(used, default=0) + 1}"


def draft_data(draft: IntakeDraft) -> dict:
    """The draft's document, or a fresh one if it cannot be read as ours."""
    try:
        data = json.loads(draft.data or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return new_draft_data()
    return {"v": DRAFT_FORMAT_VERSION, "persons": clean_person_list(data.get("persons")), "fields": data["fields"]}


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def draft_summary(data: dict) -> str:
    """What a draft holds, without a word about who: "2 victims, 1 alleged perpetrator"."""
    counts = {kind: 0 for kind in PERSON_KINDS}
    for person in data["persons"]:
        counts[person["kind"]] += 1
    parts = [
        ngettext("%(count)d victim", "%(count)d victims", counts["victim"]) % {"count": counts["victim"]},
        ngettext("%(count)d alleged perpetrator", "%(count)d alleged perpetrators", counts["perpetrator"])
        % {"count": counts["perpetrator"]},
    ]
    return ", ".join(parts)


# --- selectors --------------------------------------------------------------------------


def drafts_for(*, membership: Membership) -> list[IntakeDraft]:
    """The membership's unsubmitted drafts, newest first, at most ten. Each
    carries ``summary`` (counts only) for a queue entry. One query."""
    if membership is None:
        return []
    drafts = list(
        IntakeDraft.objects.filter(membership=membership, submitted_case__isnull=True).order_by("-updated_at", "-id")[
            :DRAFT_LIST_LIMIT
        ]
    )
    for draft in drafts:
        draft.summary = draft_summary(draft_data(draft))
    return drafts


def draft_get(*, membership: Membership, draft_id: int) -> IntakeDraft:
    """The membership's own draft (submitted or not); ``DraftNotFound`` for
    anyone else's, exactly as for a missing one."""
    draft = IntakeDraft.objects.filter(pk=draft_id, membership=membership).first()
    if draft is None or membership is None:
        raise DraftNotFound
    return draft


# --- services -------------------------------------------------------------------------------


def _audit_draft(*, membership: Membership, origin: Origin | None, action: str, draft_id: int, **details) -> None:
    origin = origin or Origin()
    audit_record(
        action=action,
        actor_id=membership.user_id,
        agency_id=membership.agency_id,
        membership_id=membership.pk,
        target_type="intake_draft",
        target_id=draft_id,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        details=details or None,
    )


def draft_create(*, membership: Membership, data: dict, origin: Origin | None = None) -> IntakeDraft:
    """Start a draft for ``membership`` holding ``data``. Audited (ids only)."""
    with transaction.atomic():
        draft = IntakeDraft.objects.create(membership=membership, data=_dump(data))
        _audit_draft(membership=membership, origin=origin, action="intake.draft_created", draft_id=draft.pk)
    return draft


def draft_save(*, membership: Membership, draft_id: int, revision: int | None, data: dict) -> IntakeDraft:
    """Store ``data`` if the draft is still at ``revision`` and unsubmitted.

    One conditional UPDATE (revision = revision + 1), so two tabs cannot both
    win: the later one gets ``DraftStale`` and keeps its input on its page.
    Raises ``DraftNotFound`` and ``DraftAlreadySubmitted`` too. Autosaves are
    not audited (every few seconds); creation, discarding and submission are.
    """
    now = timezone.now()
    updated = IntakeDraft.objects.filter(
        pk=draft_id, membership=membership, submitted_case__isnull=True, revision=revision
    ).update(data=_dump(data), revision=F("revision") + 1, updated_at=now)
    draft = draft_get(membership=membership, draft_id=draft_id)
    if not updated:
        if draft.submitted_case_id:
            raise DraftAlreadySubmitted(draft.submitted_case_id)
        raise DraftStale
    return draft


def draft_discard(*, membership: Membership, draft_id: int, origin: Origin | None = None) -> None:
    """Delete an unsubmitted draft and everything typed in it. Audited."""
    with transaction.atomic():
        draft = IntakeDraft.objects.select_for_update().filter(pk=draft_id, membership=membership).first()
        if draft is None:
            raise DraftNotFound
        if draft.submitted_case_id:
            raise DraftAlreadySubmitted(draft.submitted_case_id)
        draft.delete()
        _audit_draft(membership=membership, origin=origin, action="intake.draft_discarded", draft_id=draft_id)


@dataclass
class ConsentInput:
    """A consent given at intake; ``victim`` and ``given_by`` index the
    persons of the ``CaseInput``. One purpose per consent row."""

    victim: int
    given_by: int
    capacity: str
    purpose: str
    agency_kinds: list[str]
    disclosure_level: str
    given_on: date
    notes: str = ""


@dataclass
class IntakeSubmission:
    case: CaseInput
    consents: list[ConsentInput] = field(default_factory=list)


class ConsentRefused(Exception):
    """``consent_record`` refused a consent: the field errors, for the
    consent of victim ``victim`` (an index into the persons)."""

    def __init__(self, victim: int, error: ValidationError):
        super().__init__(victim)
        self.victim = victim
        self.error = error


def draft_submit(
    *,
    membership: Membership,
    draft_id: int,
    revision: int | None,
    submission: IntakeSubmission,
    idempotency_key: str | None = None,
    origin: Origin | None = None,
) -> tuple[Case, bool]:
    """Make the case of a draft: (case, created).

    Locks the draft row (SELECT … FOR UPDATE) for the whole transaction, so a
    double submit waits for the first and then finds the draft submitted
    (created False). ``case_create`` gets an idempotency key derived from the
    draft (or ``idempotency_key`` for a form posted before its draft existed)
    as a second guard. The case, its parties, relations and consents and the
    draft's state are written in one transaction: a refused consent
    (``ConsentRefused``) leaves no case behind. The draft's contents are
    cleared on success: the case holds them now.
    """
    with transaction.atomic():
        draft = IntakeDraft.objects.select_for_update().filter(pk=draft_id, membership=membership).first()
        if draft is None:
            raise DraftNotFound
        if draft.submitted_case_id:
            return Case.objects.get(pk=draft.submitted_case_id), False
        if revision is not None and draft.revision != revision:
            raise DraftStale
        case, created = case_create(
            actor=membership,
            data=submission.case,
            idempotency_key=idempotency_key or f"intake-draft:{draft.pk}",
            fingerprint="intake",
            origin=origin,
        )
        if created:
            _record_consents(membership=membership, case=case, consents=submission.consents, origin=origin)
        IntakeDraft.objects.filter(pk=draft.pk).update(
            submitted_case=case, data="", revision=F("revision") + 1, updated_at=timezone.now()
        )
        _audit_draft(
            membership=membership,
            origin=origin,
            action="intake.draft_submitted",
            draft_id=draft.pk,
            case_id=case.pk,
            created=created,
        )
    return case, created


def _record_consents(*, membership: Membership, case: Case, consents: list[ConsentInput], origin) -> None:
    if not consents:
        return
    # case_create makes the persons in the order given: ids ascend with the index.
    persons = list(Person.objects.filter(case=case).order_by("id").values_list("id", flat=True))
    victim_parties = dict(Party.objects.filter(case=case, role=PartyRole.VICTIM).values_list("person_id", "id"))
    for consent in consents:
        try:
            consent_record(
                actor=membership,
                case_id=case.pk,
                victim_party_id=victim_parties[persons[consent.victim]],
                given_by_person_id=persons[consent.given_by],
                given_by_capacity=consent.capacity,
                purpose=consent.purpose,
                agency_kinds=consent.agency_kinds,
                disclosure_level=consent.disclosure_level,
                given_on=consent.given_on,
                notes=consent.notes,
                origin=origin,
            )
        except ValidationError as error:
            raise ConsentRefused(consent.victim, error) from None


# --- "same person as" ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonMatch:
    """A person of another case of the agency who shares a NIK, phone or exact
    name: only what the offer shows (the case's number and the roles)."""

    person_id: int
    register_number: str
    roles: tuple[str, ...]

    @property
    def role_labels(self) -> str:
        return ", ".join(str(PartyRole(role).label) for role in self.roles)


MATCH_LIMIT = 5


def person_matches(
    *, membership: Membership, identities: dict[str, dict], origin: Origin | None = None
) -> dict[str, list[PersonMatch]]:
    """For each draft person (key → name, nik, phone), the persons of cases
    the membership sees as the owner that share one of them — through the
    gate (``selectors.person_link_candidates``), never across agencies.

    Matching is a search by identity: audited once per call with the matched
    case ids and the kinds of value used, never the values."""
    found: dict[str, list[Person]] = {}
    kinds: set[str] = set()
    for key, identity in identities.items():
        probe = Person(**{kind: identity.get(kind) or "" for kind in ("name", "nik", "phone")})
        probe.refresh_hashes()
        if not (probe.name_hash or probe.nik_hash or probe.phone_hash):
            continue
        kinds |= {kind for kind in ("name", "nik", "phone") if getattr(probe, f"{kind}_hash")}
        candidates = person_link_candidates(membership=membership, person=probe)
        found[key] = sorted(candidates, key=lambda person: (person.case_id, person.pk), reverse=True)[:MATCH_LIMIT]
    if not found:
        return {}
    person_ids = {person.pk for persons in found.values() for person in persons}
    roles: dict[int, list[str]] = {}
    if person_ids:
        for person_id, role in Party.objects.filter(person_id__in=person_ids).values_list("person_id", "role"):
            roles.setdefault(person_id, []).append(role)
    case_ids = sorted({person.case_id for persons in found.values() for person in persons})
    origin = origin or Origin()
    audit_record(
        action="case.searched",
        actor_id=membership.user_id,
        agency_id=membership.agency_id,
        membership_id=membership.pk,
        target_type="case",
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        details={"kind": "intake_match", "by": sorted(kinds), "case_ids": case_ids, "total": len(case_ids)},
    )
    return {
        key: [
            PersonMatch(
                person_id=person.pk,
                register_number=person.case.register_number,
                roles=tuple(sorted(roles.get(person.pk, []), key=list(PartyRole.values).index)),
            )
            for person in persons
        ]
        for key, persons in found.items()
    }
