"""Reads of referrals: who sees which referral, and how much of it.

A referral is seen by case-working members of the sending agency (a
restricted case's referral only by its supervisors and assigned caseworkers)
and, once it was sent, of the receiving agency. Seeing a referral is not
seeing its content: the reason, the summary and the case facts are shown only
while ``content_visible`` says so — to the sender while it sees the case
through the gate, to the receiver while the referral is open, its consent in
force, the case not archived and both agencies active. Afterwards both keep
the metadata (dates, agencies, status).
"""

from dataclasses import dataclass

from django.db.models import Case as When_
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from agencies.models import Membership, Role
from cases.grants import LEVEL_NAMES, Access
from cases.models import CaseAssignment, CaseStatus, Consent, ConsentPurpose, DisclosureLevel
from cases.selectors import case_access, usable_contact_details
from referrals.deadlines import overdue_q
from referrals.models import (
    ACTIVE_GRANT_STATES,
    Notification,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)

LIST_LIMIT = 100


class ReferralNotVisible(Exception):
    """No such referral for this membership (answer 404, audit)."""


def _acting(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.role in (Role.CASEWORKER, Role.SUPERVISOR)
        and membership.is_active
        and membership.agency.is_active
    )


def _outgoing_q(membership: Membership) -> Q:
    mine = Q(from_agency_id=membership.agency_id)
    if membership.role == Role.SUPERVISOR:
        return mine
    assigned = CaseAssignment.objects.filter(case_id=OuterRef("case_id"), membership_id=membership.pk)
    return mine & (Q(case__is_restricted=False) | Q(Exists(assigned)))


def _incoming_q(membership: Membership) -> Q:
    return Q(to_agency_id=membership.agency_id, sent_at__isnull=False)


def visible_referrals(*, membership: Membership | None) -> QuerySet[Referral]:
    """Every referral ``membership`` may see (metadata at least)."""
    if not _acting(membership):
        return Referral.objects.none()
    return Referral.objects.filter(_outgoing_q(membership) | _incoming_q(membership))


def referral_get(*, membership: Membership | None, referral_id: int) -> Referral:
    referral = (
        visible_referrals(membership=membership)
        .select_related("case", "from_agency", "to_agency", "consent", "assigned_to__user", "created_by__user")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise ReferralNotVisible
    return referral


def side_of(*, membership: Membership, referral: Referral) -> str:
    """ "sender" or "receiver" (the acting agency's side of ``referral``)."""
    return "sender" if referral.from_agency_id == membership.agency_id else "receiver"


def content_visible(*, membership: Membership, referral: Referral) -> bool:
    """Whether ``membership`` may read the referral's content now."""
    if side_of(membership=membership, referral=referral) == "sender":
        return case_access(membership=membership, case_id=referral.case_id) is not None
    return receiver_access_open(referral)


def receiver_access_open(referral: Referral) -> bool:
    """Whether the receiving agency may still read this referral's content:
    computed at read time so no scheduler or receiver is relied upon."""
    if referral.status not in (ReferralStatus.SENT, *ACTIVE_GRANT_STATES) or referral.access_ended_at:
        return False
    if not (referral.from_agency.is_active and referral.to_agency.is_active):
        return False
    if referral.case.status == CaseStatus.ARCHIVED:
        return False
    if referral.is_transfer and referral.status != ReferralStatus.SENT:
        # After a transfer the receiver owns the case: it reads it through the gate.
        return True
    return referral.emergency_override or (referral.consent is not None and referral.consent.withdrawn_on is None)


def _annotated(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    now = timezone.now()
    return queryset.select_related("case", "from_agency", "to_agency", "assigned_to__user").annotate(
        overdue_rank=When_(When(overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField()),
        urgency_rank=When_(
            When(urgency=Urgency.EMERGENCY, then=Value(0)),
            When(urgency=Urgency.URGENT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    )


def incoming_referrals(*, membership: Membership, open_only: bool = True, limit: int = LIST_LIMIT) -> list[Referral]:
    """Referrals sent to the acting agency: overdue first, then by urgency,
    then the earliest due."""
    if not _acting(membership):
        return []
    queryset = Referral.objects.filter(_incoming_q(membership))
    if open_only:
        queryset = queryset.filter(status__in=[ReferralStatus.SENT, *ACTIVE_GRANT_STATES])
        order = ("overdue_rank", "urgency_rank", "due_at", "id")
    else:
        queryset = queryset.exclude(status__in=[ReferralStatus.SENT, *ACTIVE_GRANT_STATES])
        order = ("-updated_at", "-id")
    return list(_annotated(queryset).order_by(*order)[:limit])


def outgoing_referrals(*, membership: Membership, limit: int = LIST_LIMIT) -> list[Referral]:
    if not _acting(membership):
        return []
    queryset = Referral.objects.filter(_outgoing_q(membership))
    return list(_annotated(queryset).order_by("overdue_rank", "-id")[:limit])


def approval_queue(*, membership: Membership, limit: int = LIST_LIMIT) -> list[Referral]:
    """Submitted referrals of the supervisor's own agency, oldest first."""
    if not _acting(membership) or membership.role != Role.SUPERVISOR:
        return []
    queryset = Referral.objects.filter(from_agency_id=membership.agency_id, status=ReferralStatus.SUBMITTED)
    return list(_annotated(queryset).order_by("urgency_rank", "id")[:limit])


def referrals_of_case(*, membership: Membership, case_id: int) -> list[Referral]:
    """The referrals of one case the membership sees (for the case page)."""
    return list(
        visible_referrals(membership=membership)
        .filter(case_id=case_id)
        .select_related("from_agency", "to_agency")
        .order_by("-id")
    )


def referral_events(*, referral: Referral) -> list[ReferralEvent]:
    return list(referral.events.select_related("actor__user", "actor__agency").order_by("at", "id"))


@dataclass(frozen=True)
class NavCounts:
    incoming: int = 0
    overdue: int = 0
    approvals: int = 0
    unread: int = 0


def nav_counts(*, membership: Membership | None) -> NavCounts:
    """The numbers in the navigation, in two queries whatever the data, once
    per request (kept on the request's membership object)."""
    if not _acting(membership):
        return NavCounts()
    cached = getattr(membership, "_referral_nav_counts", None)
    if cached is None:
        cached = membership._referral_nav_counts = _nav_counts(membership)
    return cached


def _nav_counts(membership: Membership) -> NavCounts:
    now = timezone.now()
    agency_id = membership.agency_id
    counts = Referral.objects.filter(
        Q(to_agency_id=agency_id, status=ReferralStatus.SENT)
        | Q(from_agency_id=agency_id, status=ReferralStatus.SUBMITTED)
    ).aggregate(
        incoming=Count("id", filter=Q(to_agency_id=agency_id, status=ReferralStatus.SENT)),
        overdue=Count("id", filter=Q(to_agency_id=agency_id) & overdue_q(now)),
        approvals=Count("id", filter=Q(from_agency_id=agency_id, status=ReferralStatus.SUBMITTED)),
    )
    unread = Notification.objects.filter(recipient_id=membership.pk, read_at__isnull=True).count()
    return NavCounts(
        incoming=counts["incoming"],
        overdue=counts["overdue"],
        approvals=counts["approvals"] if membership.role == Role.SUPERVISOR else 0,
        unread=unread,
    )


def notifications_for(*, membership: Membership, limit: int = LIST_LIMIT) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient_id=membership.pk).select_related("referral__case").order_by("-id")[:limit]
    )


# --- consent ----------------------------------------------------------------------

LEVEL_ORDER = {DisclosureLevel.LIMITED: 1, DisclosureLevel.CONTACT: 2, DisclosureLevel.FULL: 3}


def covering_consent(*, case_id: int, agency_kind: str, level: str) -> Consent | None:
    """A consent in force, for referral, covering ``agency_kind`` at ``level``
    or above: the widest such consent, newest first."""
    candidates = Consent.objects.filter(case_id=case_id, purpose=ConsentPurpose.REFERRAL, withdrawn_on__isnull=True)
    fitting = [
        consent
        for consent in candidates.order_by("-given_on", "-id")
        if agency_kind in (consent.agency_kinds or [])
        and LEVEL_ORDER.get(consent.disclosure_level, 0) >= LEVEL_ORDER[level]
    ]
    return fitting[0] if fitting else None


def access_level(level: str) -> Access:
    return LEVEL_NAMES[level]


# --- what the receiving agency may read ----------------------------------------------


def receiver_level(referral: Referral) -> str:
    """The level of case facts the receiving side reads on the referral page
    and letter: limited until it accepts, then the level granted (a transfer's
    receiver owns the case: full)."""
    if referral.status in ACTIVE_GRANT_STATES:
        return DisclosureLevel.FULL if referral.is_transfer else referral.grant_level
    return DisclosureLevel.LIMITED


def case_facts(*, case, level: str) -> dict:
    """The victims' facts at ``level``: limited — initials, age, sex, violence
    types — plus the case's risk; contact adds the safe ways to reach them;
    full adds name and address. ``person_ids`` is for the audit entry."""
    from cases.models import Party, PartyRole
    from cases.selectors import attach_references

    victims = list(
        Party.objects.filter(case=case, role=PartyRole.VICTIM)
        .select_related("person__sex")
        .prefetch_related("violence_types")
        .order_by("id")
    )
    attach_references([case], ("risk",))
    rank = LEVEL_ORDER[level]
    rows = []
    for party in victims:
        person = party.person
        row = {
            "initials": person.initials or "—",
            "age": person.age_on(case.incident_date),
            "sex": person.sex.label if person.sex else "",
            "violence_types": [item.label for item in party.violence_types.all()],
        }
        if rank >= LEVEL_ORDER[DisclosureLevel.CONTACT]:
            row.update(
                phone=usable_contact_details(person=person, access=access_level(level))["phone"],
                safe_to_call=person.safe_to_call,
                safe_to_message=person.safe_to_message,
                safe_to_visit=person.safe_to_visit,
                contact_safety_notes=person.contact_safety_notes,
            )
        if rank >= LEVEL_ORDER[DisclosureLevel.FULL]:
            row.update(name=person.name, address=person.address)
        rows.append(row)
    return {
        "level": level,
        "risk": case.risk.label if case.risk else "",
        "victims": rows,
        "person_ids": [party.person_id for party in victims],
    }
