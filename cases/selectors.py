"""Reads of cases, and the one access gate.

``visible_cases(membership=…, action=…)`` is the definition of who sees which
case for which action. Lists (``case_list``), searches (``case_search``) and
object checks (``case_get``) are all built from the same branches
(``_branches``), so they cannot disagree:

- the owner: members acting for the owning agency whose role works cases
  (caseworker, supervisor) — restricted cases only for the supervisors and the
  assigned caseworkers;
- grants: members of an agency whose group holds a grant on the case at the
  level the action needs (``cases.grants``).

The acting membership decides, never ``user.groups``; ``is_superuser`` is
ignored; a deactivated membership or agency sees nothing. The branches are
disjoint and combined with UNION (each is an index scan: the owner's on
``case_owner_idx``, the grants' on guardian's (group, permission, object)
index), never with OR, which forces a scan of the biggest agency's rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from agencies.models import Membership, ReferenceItem, Role
from cases.deadlines import overdue_q
from cases.fields import blind_index
from cases.grants import CODENAME_LEVELS, Access, grant_rows
from cases.models import (
    AgencyCaseCount,
    Case,
    CaseAssignment,
    CaseNote,
    CaseStatusChange,
    Consent,
    LegalStep,
    Party,
    PartyRole,
    PerpetratorRelation,
    Person,
    Service,
)


class CaseAction(StrEnum):
    VIEW = "view"  # see the case at any level (lists, limited detail)
    VIEW_CONTACT = "view_contact"
    VIEW_FULL = "view_full"
    SEARCH_CONTACT = "search_contact"  # match by phone or exact name
    SEARCH_NIK = "search_nik"  # match by NIK
    ADD_SERVICE = "add_service"  # record a service given (also by a receiving agency)
    ADD_NOTE = "add_note"
    ADD_LEGAL_STEP = "add_legal_step"
    CHANGE = "change"  # edit the case, its parties and consent; move it through the workflow


# The least access each action needs. A search matches only on what the
# searcher may see: a limited grant shows no phone, name or NIK, so it matches none.
ACTION_MIN_ACCESS: dict[CaseAction, Access] = {
    CaseAction.VIEW: Access.LIMITED,
    CaseAction.VIEW_CONTACT: Access.CONTACT,
    CaseAction.VIEW_FULL: Access.FULL,
    CaseAction.SEARCH_CONTACT: Access.CONTACT,
    CaseAction.SEARCH_NIK: Access.FULL,
    CaseAction.ADD_SERVICE: Access.LIMITED,
    CaseAction.ADD_NOTE: Access.FULL,
    CaseAction.ADD_LEGAL_STEP: Access.FULL,
    CaseAction.CHANGE: Access.OWNER,
}


@dataclass(frozen=True)
class _Branch:
    """One disjoint part of what a membership sees. ``level`` is OWNER for the
    owner's branches and None for the grant branch (its level is per row)."""

    level: Access | None
    cases: QuerySet
    # (agency id, is_restricted) when the branch is all of an agency's cases
    # of that kind, so an unfiltered total may read AgencyCaseCount.
    counter: tuple[int, bool] | None = None


def _branches(membership: Membership | None, min_access: Access) -> list[_Branch]:
    if membership is None or membership.role not in (Role.CASEWORKER, Role.SUPERVISOR):
        return []
    agency = membership.agency
    if not (membership.is_active and agency.is_active):
        return []
    owned = Case.objects.filter(agency_id=agency.pk)
    branches = [_Branch(Access.OWNER, owned.filter(is_restricted=False), counter=(agency.pk, False))]
    if membership.role == Role.SUPERVISOR:
        branches.append(_Branch(Access.OWNER, owned.filter(is_restricted=True), counter=(agency.pk, True)))
    else:
        assigned = CaseAssignment.objects.filter(membership_id=membership.pk).values("case_id")
        branches.append(_Branch(Access.OWNER, owned.filter(is_restricted=True, id__in=assigned)))
    if min_access <= Access.FULL:
        granted = grant_rows(group_id=agency.group_id, min_level=min_access).values("content_object_id")
        # Grants never name the owner; excluding it keeps the branches disjoint
        # (so totals add up) even if a transfer left a stale row behind.
        branches.append(_Branch(None, Case.objects.filter(id__in=granted).exclude(agency_id=agency.pk)))
    return branches


def visible_cases(*, membership: Membership | None, action: CaseAction = CaseAction.VIEW) -> QuerySet[Case]:
    """Every case ``membership`` may see for ``action``: the gate.

    A UNION of the branches' ids; the object check is this filtered by id
    (``case_get`` evaluates the same branches for one id in one query).
    """
    branches = _branches(membership, ACTION_MIN_ACCESS[action])
    if not branches:
        return Case.objects.none()
    ids = [branch.cases.values("id") for branch in branches]
    return Case.objects.filter(id__in=ids[0].union(*ids[1:], all=True))


class CaseNotVisible(Exception):
    """The case does not exist for this membership (answer 404, audit)."""


class CaseActionForbidden(Exception):
    """The case is visible but the action is not allowed (answer 403)."""


def case_access(*, membership: Membership | None, case_id: int) -> Access | None:
    """The access ``membership`` has on case ``case_id``, or None: the gate's
    branches filtered by the id, in one query."""
    branches = _branches(membership, Access.LIMITED)
    if not branches:
        return None
    parts = []
    for branch in branches:
        cases = branch.cases.filter(id=case_id)
        if branch.level is None:
            group_id = membership.agency.group_id
            codename = grant_rows(group_id=group_id, min_level=Access.LIMITED).filter(content_object_id=OuterRef("id"))
            parts.append(cases.annotate(level=_first(codename.values("permission__codename"))).values_list("level"))
        else:
            parts.append(cases.annotate(level=Value(branch.level.name, CharField())).values_list("level"))
    found = [row[0] for row in parts[0].union(*parts[1:], all=True)]
    levels = [Access.OWNER if name == Access.OWNER.name else CODENAME_LEVELS.get(name) for name in found]
    levels = [level for level in levels if level is not None]
    return max(levels) if levels else None


def _first(values_queryset):
    from django.db.models import Subquery

    return Subquery(values_queryset[:1], output_field=CharField())


def case_get(
    *, membership: Membership | None, case_id: int, action: CaseAction = CaseAction.VIEW
) -> tuple[Case, Access]:
    """The case and the actor's access, for ``action``.

    Raises ``CaseNotVisible`` when the case is invisible (or missing: the two
    are indistinguishable) and ``CaseActionForbidden`` when it is visible but
    the action needs more than the actor holds.
    """
    access = case_access(membership=membership, case_id=case_id)
    if access is None:
        raise CaseNotVisible
    if access < ACTION_MIN_ACCESS[action]:
        raise CaseActionForbidden
    case = Case.objects.select_related("agency", "incident_kelurahan__kecamatan").get(pk=case_id)
    return case, access


_CASE_REFERENCES = ("risk", "intake_channel", "place_category", "local_case_type")
_PERSON_REFERENCES = ("sex", "education", "occupation", "marital_status", "religion", "disability_kind")


def attach_references(objects, field_names) -> None:
    """Fill reference-item foreign keys of ``objects`` from one query.

    Joining up to seven reference columns costs PostgreSQL more in planning
    than the whole read; the reference table is small, so one ``IN`` query
    answers every such column of every object at once."""
    objects = list(objects)
    ids = {getattr(obj, f"{name}_id") for obj in objects for name in field_names} - {None}
    items = ReferenceItem.objects.in_bulk(ids) if ids else {}
    for obj in objects:
        for name in field_names:
            item_id = getattr(obj, f"{name}_id")
            setattr(obj, name, items.get(item_id) if item_id is not None else None)


# --- Lists and searches --------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    risk: str | None = None  # kriteria_risiko code
    violence_type: str | None = None  # jenis_kekerasan_simfoni code
    kecamatan: str | None = None  # Kemendagri code
    assigned_to_me: bool = False
    # A legal clock has run out (cases.deadlines): one filter on the case row,
    # applied inside each branch so the UNION keeps its index scans.
    overdue: bool = False
    reported_from: date | None = None
    reported_to: date | None = None
    register_number: str | None = None


@dataclass
class CasePage:
    cases: list[Case]
    total: int
    access: dict[int, Access] = field(default_factory=dict)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _apply_filters(cases: QuerySet, *, membership: Membership, filters: CaseFilters) -> QuerySet:
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.risk:
        cases = cases.filter(risk__code=filters.risk)
    if filters.violence_type:
        cases = cases.filter(
            Exists(
                Party.objects.filter(
                    case_id=OuterRef("id"),
                    role=PartyRole.VICTIM,
                    violence_types__code=filters.violence_type,
                    violence_types__reference_list__key="jenis_kekerasan_simfoni",
                )
            )
        )
    if filters.kecamatan:
        cases = cases.filter(incident_kelurahan__kecamatan__code=filters.kecamatan)
    if filters.assigned_to_me:
        cases = cases.filter(Exists(CaseAssignment.objects.filter(case_id=OuterRef("id"), membership_id=membership.pk)))
    if filters.overdue:
        cases = cases.filter(overdue_q())
    if filters.reported_from:
        cases = cases.filter(reported_at__gte=_day_start(filters.reported_from))
    if filters.reported_to:
        cases = cases.filter(reported_at__lt=_day_start(filters.reported_to + timedelta(days=1)))
    if filters.register_number:
        cases = cases.filter(register_number=filters.register_number.strip().upper())
    return cases


def _page(
    *,
    membership: Membership,
    min_access: Access,
    narrow,
    offset: int,
    limit: int,
    unfiltered: bool = False,
    count_short_branches: bool = True,
) -> CasePage:
    """Newest-first page over the branches, in two queries whatever the role:

    - the top ``offset + limit`` ids of each branch (an index scan each),
      combined with UNION ALL and merged here;
    - the total: the sum of the branches' counts (they are disjoint), each an
      index-only count — or, unfiltered on PostgreSQL, the trigger-kept
      ``AgencyCaseCount`` row, since counting 400,000 index entries of the
      largest agency takes ~45 ms on two cores.
    """
    use_counters = unfiltered and connection.vendor == "postgresql"
    branches = _branches(membership, min_access)
    if not branches:
        return CasePage(cases=[], total=0)
    group_id = membership.agency.group_id
    tops, counts = [], []
    for branch in branches:
        cases = narrow(branch.cases).order_by()
        if branch.level is None:
            codename = grant_rows(group_id=group_id, min_level=min_access).filter(content_object_id=OuterRef("id"))
            level = _first(codename.values("permission__codename"))
        else:
            level = Value(branch.level.name, CharField())
        tops.append(cases.annotate(level=level).order_by("-id").values_list("id", "level")[: offset + limit])
        counts.append(branch.counter if use_counters and branch.counter else cases.values("id"))
    found = _run_union(tops)
    # A branch that returned fewer ids than asked has been counted already
    # (searches use that; lists keep one query shape whatever the data).
    returned = [0] * len(tops)
    for _case_id, _name, index in found:
        returned[index] += 1
    if count_short_branches:
        capped, returned = counts, [0] * len(tops)
    else:
        capped = [counts[i] for i, n in enumerate(returned) if n >= offset + limit]
    total = sum(n for n in returned if n < offset + limit) + (_run_total(capped) if capped else 0)
    found.sort(key=lambda item: item[0], reverse=True)
    chosen = {
        case_id: Access.OWNER if name == Access.OWNER.name else CODENAME_LEVELS.get(name)
        for case_id, name, _index in found[offset : offset + limit]
    }
    rows = (
        Case.objects.filter(id__in=list(chosen))
        .defer("chronology")
        .select_related("agency", "risk", "incident_kelurahan__kecamatan")
    )
    by_id = {case.pk: case for case in rows}
    _attach_victim_violence_types(by_id)
    ordered = [by_id[case_id] for case_id in chosen if case_id in by_id]
    return CasePage(cases=ordered, total=total, access={case_id: level for case_id, level in chosen.items() if level})


def _sql(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def _run_union(querysets) -> list[tuple[int, str, int]]:
    """UNION ALL of sliced, ordered querysets (as subqueries: SQLite allows no
    ORDER BY/LIMIT on a compound's members): (id, level, branch index) rows."""
    parts, params = [], []
    for index, queryset in enumerate(querysets):
        sql, part_params = _sql(queryset)
        parts.append(f"SELECT branch_{index}.*, {index:d} FROM ({sql}) AS branch_{index}")  # noqa: S608 - ORM SQL
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def _run_total(querysets) -> int:
    parts, params = [], []
    for index, queryset in enumerate(querysets):
        if isinstance(queryset, tuple):
            parts.append(
                f"(SELECT COALESCE(SUM(total), 0) FROM {AgencyCaseCount._meta.db_table} "  # noqa: S608
                "WHERE agency_id = %s AND is_restricted = %s)"
            )
            params.extend(queryset)
            continue
        sql, part_params = _sql(queryset)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS count_{index})")  # noqa: S608 - compiled by the ORM
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(parts), params)
        return int(cursor.fetchone()[0])


def _attach_victim_violence_types(cases_by_id: dict[int, Case]) -> None:
    """``case.violence_type_codes``: the victims' SIMFONI violence types, one query."""
    through = Party.violence_types.through
    pairs = through.objects.filter(party__case_id__in=list(cases_by_id), party__role=PartyRole.VICTIM).values_list(
        "party__case_id", "referenceitem__code"
    )
    codes: dict[int, set[str]] = {case_id: set() for case_id in cases_by_id}
    for case_id, code in pairs:
        codes[case_id].add(code)
    for case_id, case in cases_by_id.items():
        case.violence_type_codes = sorted(codes[case_id])


def case_list(
    *, membership: Membership, filters: CaseFilters | None = None, offset: int = 0, limit: int = 25
) -> CasePage:
    """A newest-first page of the cases ``membership`` sees, with the total."""
    filters = filters or CaseFilters()
    return _page(
        membership=membership,
        min_access=ACTION_MIN_ACCESS[CaseAction.VIEW],
        narrow=lambda cases: _apply_filters(cases, membership=membership, filters=filters),
        offset=offset,
        limit=limit,
        unfiltered=filters == CaseFilters(),
    )


class SearchKind(StrEnum):
    NIK = "nik"
    PHONE = "phone"
    NAME = "name"


_SEARCH_ACTIONS = {
    SearchKind.NIK: CaseAction.SEARCH_NIK,
    SearchKind.PHONE: CaseAction.SEARCH_CONTACT,
    SearchKind.NAME: CaseAction.SEARCH_CONTACT,
}
_HASH_FIELDS = {SearchKind.NIK: "nik_hash", SearchKind.PHONE: "phone_hash", SearchKind.NAME: "name_hash"}


def case_search(*, membership: Membership, kind: SearchKind, value: str, offset: int = 0, limit: int = 25) -> CasePage:
    """Cases with a person whose NIK, phone or exact (normalized) name matches,
    among the cases the searcher may search that way: a limited grant matches
    nothing, a contact grant matches phone and name but not NIK."""
    digest = blind_index(kind.value, value)
    if not digest:
        return CasePage(cases=[], total=0)
    matching = Person.objects.filter(**{_HASH_FIELDS[kind]: digest}).values("case_id")
    return _page(
        membership=membership,
        min_access=ACTION_MIN_ACCESS[_SEARCH_ACTIONS[kind]],
        narrow=lambda cases: cases.filter(id__in=matching),
        offset=offset,
        limit=limit,
        count_short_branches=False,
    )


def person_link_candidates(*, membership: Membership, person: Person) -> list[Person]:
    """Persons in other cases of the actor's own agency that share a NIK, phone
    or exact name with ``person``: the "same person as" offer. Never across
    agencies, and only among cases the actor sees as the owner."""
    hashes = Q()
    for field_name in ("nik_hash", "phone_hash", "name_hash"):
        value = getattr(person, field_name)
        if value:
            hashes |= Q(**{field_name: value})
    if not hashes:
        return []
    owned = [branch.cases.values("id") for branch in _branches(membership, Access.OWNER) if branch.level]
    if not owned:
        return []
    case_ids = owned[0].union(*owned[1:], all=True)
    return list(
        Person.objects.filter(hashes, case_id__in=case_ids).exclude(case_id=person.case_id).select_related("case")
    )


# --- Everything under a case (the caller has passed the gate) -------------------


def usable_contact_details(*, person: Person, access: Access) -> dict[str, str]:
    """The phone and address a reader may use: all of them in full, and below
    full only the ways the person said are safe (an unsafe call can put a
    victim in danger). The one rule for pages, API, referrals and letters."""
    full = access >= Access.FULL
    return {
        "phone": person.phone if full or person.safe_to_call or person.safe_to_message else "",
        "address": person.address if full or person.safe_to_visit else "",
    }


def case_with_references(*, case: Case) -> Case:
    """The case with its reference items (risk, channel, place, type) filled."""
    attach_references([case], _CASE_REFERENCES)
    return case


def case_parties(*, case: Case) -> list[Party]:
    """The case's parties with their persons, violence types and relations;
    persons' reference items filled in one query."""
    parties = list(
        Party.objects.filter(case=case)
        .select_related("person__domicile_kelurahan")
        .prefetch_related(
            "violence_types",
            Prefetch(
                "perpetrator_relations",
                queryset=PerpetratorRelation.objects.select_related("relationship"),
            ),
        )
        .order_by("id")
    )
    attach_references([party.person for party in parties], _PERSON_REFERENCES)
    return parties


def case_services(*, case: Case) -> list[Service]:
    return list(Service.objects.filter(case=case).select_related("service_type", "provider").order_by("given_on", "id"))


def case_notes(*, case: Case) -> list[CaseNote]:
    return list(
        CaseNote.objects.filter(case=case).select_related("author__user", "author__agency").order_by("created_at", "id")
    )


def case_consents(*, case: Case) -> list[Consent]:
    return list(Consent.objects.filter(case=case).select_related("given_by").order_by("given_on", "id"))


def case_legal_steps(*, case: Case) -> list[LegalStep]:
    return list(LegalStep.objects.filter(case=case).select_related("step").order_by("occurred_on", "id"))


def case_history(*, case: Case) -> list[CaseStatusChange]:
    return list(
        CaseStatusChange.objects.filter(case=case)
        .select_related("actor__user", "actor__agency")
        .order_by("changed_at", "id")
    )


def case_attachments(*, case: Case):
    return list(case.attachments.select_related("uploaded_by__agency").order_by("created_at", "id"))


def case_assignees(*, case: Case) -> list[Membership]:
    """The memberships assigned to ``case``, with their people. One query."""
    return [
        assignment.membership
        for assignment in CaseAssignment.objects.filter(case=case)
        .select_related("membership__user", "membership__agency")
        .order_by("id")
    ]


def case_assignee_ids(*, case: Case) -> list[int]:
    return list(CaseAssignment.objects.filter(case=case).order_by("id").values_list("membership_id", flat=True))
