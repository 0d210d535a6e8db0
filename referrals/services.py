"""The referral workflow. Each step is one function that checks the actor and
the state, then writes state, history, grant and audit in one transaction
(locking the referral row, and the case row where a grant or the owner
changes), and notifies once it commits.

draft → submitted → sent (the sending supervisor approves) or returned →
accepted (assigned to a caseworker) or declined → in progress → completed;
withdrawn by the sender before completion. A transfer moves ownership of the
case on acceptance (``cases.transfer``).

Errors: ``ReferralNotVisible`` (404), ``CaseActionForbidden`` (403),
``StaleVersion`` (412), ``CaseStateError`` (409), ``IdempotencyConflict``
(422), ``ValidationError`` (400). Messages never repeat what was typed.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Membership, ReferenceItem, Role
from audit.services import audit_record
from cases import grants
from cases.models import Case, CaseStatus, DisclosureLevel
from cases.selectors import CaseAction, CaseActionForbidden, case_get
from cases.services import CaseStateError, IdempotencyConflict, Origin, StaleVersion
from cases.transfer import case_transfer
from referrals import notifications
from referrals.deadlines import due_at
from referrals.models import (
    ACTIVE_GRANT_STATES,
    NotificationKind,
    Referral,
    ReferralCreateRequest,
    ReferralEscalation,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    Urgency,
)
from referrals.selectors import (
    LEVEL_ORDER,
    ReferralNotVisible,
    access_level,
    covering_consent,
    referral_get,
    side_of,
)
from referrals.signals import send_referral_changed_on_commit

__all__ = [
    "CaseActionForbidden",
    "CaseStateError",
    "IdempotencyConflict",
    "ReferralNotVisible",
    "StaleVersion",
]

S = ReferralStatus
EDITABLE_STATES = (S.DRAFT, S.RETURNED)
WITHDRAWABLE_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.SENT, S.ACCEPTED, S.IN_PROGRESS)

NO_CONSENT_MESSAGE = gettext_lazy(
    "There is no consent in force for a referral to this kind of agency at this level of access. "
    "Record the victim's consent on the case first, ask for less access, or — in an emergency only — "
    "use the emergency override with a written reason for your supervisor to approve."
)


@dataclass
class ReferralInput:
    to_agency_id: int
    kind: str = ReferralKind.REFERRAL
    urgency: str = Urgency.ROUTINE
    requested_services: list[str] = field(default_factory=list)
    reason: str = ""
    summary: str = ""
    grant_level: str = DisclosureLevel.LIMITED
    emergency_override: bool = False
    override_reason: str = ""


# --- helpers ------------------------------------------------------------------------


def _audit(*, actor: Membership | None, origin: Origin | None, action: str, referral: Referral, **details) -> None:
    origin = origin or Origin()
    audit_record(
        action=action,
        actor_id=actor.user_id if actor else None,
        agency_id=actor.agency_id if actor else None,
        membership_id=actor.pk if actor else None,
        target_type="referral",
        target_id=referral.pk,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        details={"case_id": referral.case_id, **details},
    )


def _record(*, referral: Referral, actor: Membership | None, action: str, from_status: str, note: str = "") -> None:
    ReferralEvent.objects.create(
        referral=referral, action=action, from_status=from_status, to_status=referral.status, actor=actor, note=note
    )
    send_referral_changed_on_commit(referral_id=referral.pk, change=action)


def _save(referral: Referral, *fields: str) -> None:
    referral.version += 1
    referral.save(update_fields=["version", "updated_at", *fields])


def _require_case_role(actor: Membership | None) -> None:
    if actor is None or actor.role not in (Role.CASEWORKER, Role.SUPERVISOR) or not actor.is_active:
        raise CaseActionForbidden
    if not actor.agency.is_active:
        raise CaseActionForbidden


def _locked(*, actor: Membership, referral_id: int, side: str, expected_version: int | None = None) -> Referral:
    """Pass the referral gate (404 otherwise), lock the row, check the side."""
    _require_case_role(actor)
    referral_get(membership=actor, referral_id=referral_id)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "from_agency", "to_agency", "consent")
        .get(pk=referral_id)
    )
    if side_of(membership=actor, referral=referral) != side:
        raise CaseActionForbidden
    if expected_version is not None and referral.version != expected_version:
        raise StaleVersion
    return referral


def _require_state(referral: Referral, states, message: str | None = None) -> None:
    if referral.status not in states:
        raise CaseStateError(message or _("This step is not possible in the referral's current status."))


def _required_text(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field_name: message})
    return value


def _services(codes: list[str]) -> list[ReferenceItem]:
    codes = list(dict.fromkeys(code for code in codes if code))
    items = list(ReferenceItem.objects.of("jenis_layanan_simfoni").filter(code__in=codes))
    if len(items) != len(codes):
        raise ValidationError({"requested_services": _("Choose services from the list.")})
    return items


def _validate(data: ReferralInput, *, case: Case) -> Agency:
    errors = {}
    to_agency = Agency.objects.filter(pk=data.to_agency_id, receives_referrals=True, is_active=True).first()
    if to_agency is None:
        errors["to_agency_id"] = _("Choose an active agency that receives referrals.")
    elif to_agency.pk == case.agency_id:
        errors["to_agency_id"] = _("A case cannot be referred to the agency that owns it.")
    if data.kind not in ReferralKind.values:
        errors["kind"] = _("Choose referral or transfer.")
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose emergency, urgent or routine.")
    if data.grant_level not in DisclosureLevel.values:
        errors["grant_level"] = _("Give limited, contact or full.")
    if data.kind == ReferralKind.TRANSFER and data.grant_level != DisclosureLevel.FULL:
        errors["grant_level"] = _("A transfer hands over the whole case: it needs consent at the full level.")
    if not (data.summary or "").strip():
        errors["summary"] = _("Write a summary for the receiving agency.")
    if not (data.reason or "").strip():
        errors["reason"] = _("Give the reason for the referral.")
    if data.emergency_override:
        if data.urgency != Urgency.EMERGENCY:
            errors["emergency_override"] = _("The consent override is for emergencies only.")
        if not (data.override_reason or "").strip():
            errors["override_reason"] = _("Write why the referral cannot wait for consent.")
    if errors:
        raise ValidationError(errors)
    return to_agency


def _apply(referral: Referral, data: ReferralInput, to_agency: Agency) -> None:
    referral.to_agency = to_agency
    referral.kind = data.kind
    referral.urgency = data.urgency
    referral.reason = data.reason.strip()
    referral.summary = data.summary.strip()
    referral.grant_level = data.grant_level
    referral.emergency_override = bool(data.emergency_override)
    referral.override_reason = (data.override_reason or "").strip() if data.emergency_override else ""


def _check_consent(referral: Referral) -> None:
    """Bind the referral to a consent that covers it, or keep an emergency
    override (approved later by the sending supervisor); refuse otherwise."""
    consent = covering_consent(
        case_id=referral.case_id, agency_kind=referral.to_agency.kind, level=referral.grant_level
    )
    if consent is not None:
        referral.consent = consent
        return
    referral.consent = None
    if not referral.emergency_override:
        raise ValidationError({"consent": NO_CONSENT_MESSAGE})


def _supervisors(agency_id: int) -> list[int]:
    return list(
        Membership.objects.filter(
            agency_id=agency_id, role=Role.SUPERVISOR, is_active=True, user__is_active=True
        ).values_list("id", flat=True)
    )


def _receivers(agency_id: int) -> list[int]:
    return list(
        Membership.objects.filter(
            agency_id=agency_id,
            role__in=(Role.SUPERVISOR, Role.CASEWORKER),
            is_active=True,
            user__is_active=True,
        ).values_list("id", flat=True)
    )


def _sender_ids(referral: Referral) -> list[int]:
    ids = set(_supervisors(referral.from_agency_id))
    if referral.created_by_id:
        ids.add(referral.created_by_id)
    return sorted(ids)


# --- creating and editing (sender) ------------------------------------------------------


def referral_create(
    *,
    actor: Membership,
    case_id: int,
    data: ReferralInput,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    origin: Origin | None = None,
) -> tuple[Referral, bool]:
    """Draft a referral of case ``case_id`` (the owner's caseworkers and
    supervisors). Returns (referral, created); an Idempotency-Key replays."""
    _require_case_role(actor)
    if idempotency_key:
        replay = _replayed(actor=actor, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay, False
    try:
        with transaction.atomic():
            case, _access = case_get(membership=actor, case_id=case_id, action=CaseAction.CHANGE)
            case = Case.objects.select_for_update().get(pk=case.pk)
            if case.status in (CaseStatus.DRAFT, CaseStatus.CLOSED, CaseStatus.ARCHIVED):
                raise CaseStateError(_("Only an open case can be referred."))
            to_agency = _validate(data, case=case)
            referral = Referral(case=case, from_agency_id=case.agency_id, created_by=actor)
            _apply(referral, data, to_agency)
            referral.save()
            referral.requested_services.set(_services(data.requested_services))
            _record(referral=referral, actor=actor, action="create", from_status="")
            _audit(actor=actor, origin=origin, action="referral.created", referral=referral, to_agency_id=to_agency.pk)
            if idempotency_key:
                ReferralCreateRequest.objects.create(
                    membership=actor, key=idempotency_key, fingerprint=fingerprint, referral=referral
                )
    except IntegrityError:
        if idempotency_key:
            replay = _replayed(actor=actor, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay, False
        raise
    return referral, True


def _replayed(*, actor: Membership, key: str, fingerprint: str) -> Referral | None:
    previous = ReferralCreateRequest.objects.filter(membership=actor, key=key).select_related("referral").first()
    if previous is None:
        return None
    if previous.fingerprint != fingerprint:
        raise IdempotencyConflict
    return previous.referral


def referral_update(
    *,
    actor: Membership,
    referral_id: int,
    data: ReferralInput,
    expected_version: int | None = None,
    origin: Origin | None = None,
) -> Referral:
    """Edit a draft or returned referral (sender). Locks the referral row."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="sender", expected_version=expected_version)
        _require_state(referral, EDITABLE_STATES, _("Only a draft or a returned referral can be edited."))
        to_agency = _validate(data, case=referral.case)
        _apply(referral, data, to_agency)
        _save(referral, "to_agency", "kind", "urgency", "reason", "summary", "grant_level")
        Referral.objects.filter(pk=referral.pk).update(
            emergency_override=referral.emergency_override, override_reason=referral.override_reason
        )
        referral.requested_services.set(_services(data.requested_services))
        _record(referral=referral, actor=actor, action="edit", from_status=referral.status)
        _audit(actor=actor, origin=origin, action="referral.updated", referral=referral)
    return referral


def referral_submit(*, actor: Membership, referral_id: int, origin: Origin | None = None) -> Referral:
    """Ask the sending supervisor to approve. Needs a covering consent or an
    emergency override with its reason. Locks the referral row."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="sender")
        case_get(membership=actor, case_id=referral.case_id, action=CaseAction.CHANGE)
        _require_state(referral, EDITABLE_STATES)
        _check_consent(referral)
        from_status = referral.status
        referral.status = S.SUBMITTED
        _save(referral, "status", "consent")
        _record(referral=referral, actor=actor, action="submit", from_status=from_status)
        _audit(
            actor=actor,
            origin=origin,
            action="referral.submitted",
            referral=referral,
            consent_id=referral.consent_id,
            emergency_override=referral.emergency_override,
        )
        notifications.notify(
            referral=referral, kind=NotificationKind.SUBMITTED, recipients=_supervisors(referral.from_agency_id)
        )
    return referral


def referral_approve(*, actor: Membership, referral_id: int, origin: Origin | None = None) -> Referral:
    """The sending supervisor approves: the referral is sent and its answer
    clock starts. An emergency override is approved with it, and audited.
    Locks the referral row."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="sender")
        if actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        case_get(membership=actor, case_id=referral.case_id, action=CaseAction.CHANGE)
        _require_state(referral, (S.SUBMITTED,))
        if not referral.to_agency.is_active or not referral.to_agency.receives_referrals:
            raise CaseStateError(_("The receiving agency no longer receives referrals."))
        _check_consent(referral)
        now = timezone.now()
        referral.status = S.SENT
        referral.approved_by = actor
        referral.sent_at = now
        referral.due_at = due_at(sent_at=now, urgency=referral.urgency)
        if referral.emergency_override and referral.consent_id is None:
            referral.override_approved_by = actor
        _save(referral, "status", "approved_by", "sent_at", "due_at", "override_approved_by", "consent")
        _record(referral=referral, actor=actor, action="approve", from_status=S.SUBMITTED)
        if referral.override_approved_by_id:
            _audit(actor=actor, origin=origin, action="referral.override_approved", referral=referral)
        _audit(
            actor=actor, origin=origin, action="referral.sent", referral=referral, to_agency_id=referral.to_agency_id
        )
        notifications.notify(
            referral=referral, kind=NotificationKind.SENT, recipients=_supervisors(referral.to_agency_id)
        )
    return referral


def referral_return(*, actor: Membership, referral_id: int, comments: str, origin: Origin | None = None) -> Referral:
    """The sending supervisor returns it with comments. Locks the referral row."""
    comments = _required_text(comments, "comments", _("Write what should change."))
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="sender")
        if actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        _require_state(referral, (S.SUBMITTED,))
        referral.status = S.RETURNED
        _save(referral, "status")
        _record(referral=referral, actor=actor, action="return", from_status=S.SUBMITTED, note=comments)
        _audit(actor=actor, origin=origin, action="referral.returned", referral=referral)
        notifications.notify(
            referral=referral,
            kind=NotificationKind.RETURNED,
            recipients=[referral.created_by_id] if referral.created_by_id else [],
        )
    return referral


def referral_withdraw(*, actor: Membership, referral_id: int, reason: str, origin: Origin | None = None) -> Referral:
    """The sender withdraws it before completion; a grant ends. Locks the
    referral and case rows."""
    reason = _required_text(reason, "reason", _("Give a reason for withdrawing."))
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="sender")
        _require_state(referral, WITHDRAWABLE_STATES)
        if referral.is_transfer and referral.status in ACTIVE_GRANT_STATES:
            raise CaseStateError(_("An accepted transfer cannot be withdrawn: the case belongs to the other agency."))
        from_status = referral.status
        was_sent = referral.sent_at is not None
        referral.status = S.WITHDRAWN
        referral.closed_at = timezone.now()
        _save(referral, "status", "closed_at")
        ended = _end_access(referral)
        _record(referral=referral, actor=actor, action="withdraw", from_status=from_status, note=reason)
        _audit(actor=actor, origin=origin, action="referral.withdrawn", referral=referral, grants_ended=ended)
        if was_sent:
            recipients = _supervisors(referral.to_agency_id)
            if referral.assigned_to_id:
                recipients.append(referral.assigned_to_id)
            notifications.notify(referral=referral, kind=NotificationKind.WITHDRAWN, recipients=recipients)
    return referral


# --- answering (receiver) -------------------------------------------------------------------


def _assignee(*, actor: Membership, assignee_id: int | None) -> Membership:
    if assignee_id is None:
        if actor.role == Role.CASEWORKER:
            return actor
        raise ValidationError({"assignee_id": _("Choose the caseworker who takes the referral.")})
    assignee = Membership.objects.filter(
        pk=assignee_id,
        agency_id=actor.agency_id,
        role__in=(Role.CASEWORKER, Role.SUPERVISOR),
        is_active=True,
        user__is_active=True,
    ).first()
    if assignee is None:
        raise ValidationError({"assignee_id": _("Choose a caseworker of your agency.")})
    return assignee


def referral_accept(
    *, actor: Membership, referral_id: int, assignee_id: int | None = None, origin: Origin | None = None
) -> Referral:
    """The receiving agency accepts and assigns a caseworker. A referral opens
    the grant it asked for; a transfer moves the case to this agency. Refused
    if the consent it rests on was withdrawn. Locks the referral and case rows."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="receiver")
        _require_state(referral, (S.SENT,))
        assignee = _assignee(actor=actor, assignee_id=assignee_id)
        case = Case.objects.select_for_update().get(pk=referral.case_id)
        if case.status == CaseStatus.ARCHIVED:
            raise CaseStateError(_("The case was archived: the referral can no longer be accepted."))
        if not referral.emergency_override and (referral.consent is None or referral.consent.withdrawn_on):
            raise CaseStateError(_("The consent this referral rests on was withdrawn: it can no longer be accepted."))
        if not referral.from_agency.is_active:
            raise CaseStateError(_("The sending agency was deactivated."))
        now = timezone.now()
        referral.status = S.ACCEPTED
        referral.assigned_to = assignee
        referral.answered_at = now
        _save(referral, "status", "assigned_to", "answered_at")
        if referral.is_transfer:
            case_transfer(
                actor=actor,
                case_id=case.pk,
                to_agency=referral.to_agency,
                assignee=assignee,
                referral_id=referral.pk,
                origin=origin,
            )
        else:
            grants.grant_case_access(case=case, agency=referral.to_agency, level=access_level(referral.grant_level))
        _record(referral=referral, actor=actor, action="accept", from_status=S.SENT)
        _audit(
            actor=actor,
            origin=origin,
            action="referral.accepted",
            referral=referral,
            assignee_id=assignee.pk,
            grant_level="owner" if referral.is_transfer else referral.grant_level,
        )
        notifications.notify(referral=referral, kind=NotificationKind.ACCEPTED, recipients=_sender_ids(referral))
        if assignee.pk != actor.pk:
            notifications.notify(referral=referral, kind=NotificationKind.ASSIGNED, recipients=[assignee.pk])
    return referral


def referral_decline(*, actor: Membership, referral_id: int, reason: str, origin: Origin | None = None) -> Referral:
    """The receiving agency declines with a reason. Locks the referral row."""
    reason = _required_text(reason, "reason", _("Give the reason for declining."))
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="receiver")
        _require_state(referral, (S.SENT,))
        now = timezone.now()
        referral.status = S.DECLINED
        referral.answered_at = referral.closed_at = now
        referral.access_ended_at = now
        _save(referral, "status", "answered_at", "closed_at", "access_ended_at")
        _record(referral=referral, actor=actor, action="decline", from_status=S.SENT, note=reason)
        _audit(actor=actor, origin=origin, action="referral.declined", referral=referral)
        notifications.notify(referral=referral, kind=NotificationKind.DECLINED, recipients=_sender_ids(referral))
    return referral


def referral_assign(*, actor: Membership, referral_id: int, assignee_id: int, origin: Origin | None = None) -> Referral:
    """A receiving supervisor hands an accepted referral to another caseworker."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="receiver")
        if actor.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        _require_state(referral, ACTIVE_GRANT_STATES)
        assignee = _assignee(actor=actor, assignee_id=assignee_id)
        referral.assigned_to = assignee
        _save(referral, "assigned_to")
        _record(referral=referral, actor=actor, action="assign", from_status=referral.status)
        _audit(actor=actor, origin=origin, action="referral.assigned", referral=referral, assignee_id=assignee.pk)
        notifications.notify(referral=referral, kind=NotificationKind.ASSIGNED, recipients=[assignee.pk])
    return referral


def referral_start(*, actor: Membership, referral_id: int, origin: Origin | None = None) -> Referral:
    """The receiving agency starts its services. Locks the referral row."""
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="receiver")
        _require_state(referral, (S.ACCEPTED,))
        if referral.access_ended_at:
            raise CaseStateError(_("Access to this case has ended."))
        referral.status = S.IN_PROGRESS
        _save(referral, "status")
        _record(referral=referral, actor=actor, action="start", from_status=S.ACCEPTED)
        _audit(actor=actor, origin=origin, action="referral.started", referral=referral)
    return referral


def referral_complete(*, actor: Membership, referral_id: int, outcome: str, origin: Origin | None = None) -> Referral:
    """The receiving agency records the outcome; its grant ends (a transfer's
    receiver owns the case and keeps it). Locks the referral and case rows."""
    outcome = _required_text(outcome, "outcome", _("Write the outcome of the referral."))
    with transaction.atomic():
        referral = _locked(actor=actor, referral_id=referral_id, side="receiver")
        _require_state(referral, ACTIVE_GRANT_STATES)
        from_status = referral.status
        referral.status = S.COMPLETED
        referral.outcome = outcome
        referral.closed_at = timezone.now()
        _save(referral, "status", "outcome", "closed_at")
        ended = _end_access(referral)
        _record(referral=referral, actor=actor, action="complete", from_status=from_status)
        _audit(actor=actor, origin=origin, action="referral.completed", referral=referral, grants_ended=ended)
        notifications.notify(referral=referral, kind=NotificationKind.COMPLETED, recipients=_sender_ids(referral))
    return referral


# --- the end of access --------------------------------------------------------------------


def _end_access(referral: Referral) -> int:
    """End the receiving agency's grant from this referral, keeping a grant
    another open referral of the same case to the same agency still needs.
    Caller holds the transaction (and the referral row lock)."""
    if referral.is_transfer:
        # Ownership moved on acceptance; there was never a grant to end.
        if referral.access_ended_at is None:
            referral.access_ended_at = timezone.now()
            Referral.objects.filter(pk=referral.pk).update(access_ended_at=referral.access_ended_at)
        return 0
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    ended = grants.revoke_case_access(case=case, agency=referral.to_agency)
    still_open = (
        Referral.objects.filter(
            case_id=case.pk,
            to_agency_id=referral.to_agency_id,
            kind=ReferralKind.REFERRAL,
            status__in=ACTIVE_GRANT_STATES,
            access_ended_at__isnull=True,
        )
        .exclude(pk=referral.pk)
        .order_by("-id")
    )
    widest = max(still_open, key=lambda other: LEVEL_ORDER[other.grant_level], default=None)
    if widest is not None and referral.to_agency.is_active and case.status != CaseStatus.ARCHIVED:
        grants.grant_case_access(case=case, agency=referral.to_agency, level=access_level(widest.grant_level))
        ended = 0
    if referral.access_ended_at is None:
        referral.access_ended_at = timezone.now()
        Referral.objects.filter(pk=referral.pk).update(access_ended_at=referral.access_ended_at)
    return ended


def referrals_end_access_for_case(*, case_id: int, cause: str) -> list[int]:
    """The case was archived or a consent withdrawn: end the access of every
    open referral of the case that no longer rests on anything (all of them
    when archived). Returns the ids ended. Locks each referral row."""
    ended_ids = []
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        open_referrals = (
            Referral.objects.select_for_update(of=("self",))
            .filter(
                case_id=case_id,
                kind=ReferralKind.REFERRAL,
                access_ended_at__isnull=True,
                status__in=[S.SENT, *ACTIVE_GRANT_STATES],
            )
            .select_related("consent", "to_agency")
        )
        for referral in open_referrals:
            consent_gone = not referral.emergency_override and (
                referral.consent is None or referral.consent.withdrawn_on is not None
            )
            # A consent withdrawn with no referral consent left ends every
            # grant on the case (cases.services), overrides' included.
            grant_gone = referral.status in ACTIVE_GRANT_STATES and (
                grants.case_grant_level(case=case, agency=referral.to_agency) is None
            )
            if cause != "archived" and not consent_gone and not grant_gone:
                continue
            referral.access_ended_at = timezone.now()
            Referral.objects.filter(pk=referral.pk).update(access_ended_at=referral.access_ended_at)
            grants.revoke_case_access(case=case, agency=referral.to_agency)
            _record(referral=referral, actor=None, action=f"access_ended:{cause}", from_status=referral.status)
            _audit(actor=None, origin=None, action="referral.access_ended", referral=referral, cause=cause)
            ended_ids.append(referral.pk)
    return ended_ids


# --- escalation -------------------------------------------------------------------------------


def referral_escalate(*, referral_id: int) -> bool:
    """Tell the supervisors of both agencies that a sent referral is overdue,
    once: the ``ReferralEscalation`` row's unique constraint decides which
    run sends (a concurrent or repeated run's insert fails and sends nothing).
    Returns whether this call escalated."""
    now = timezone.now()
    try:
        with transaction.atomic():
            referral = Referral.objects.select_related("case").filter(pk=referral_id).first()
            if referral is None or not referral.is_overdue_at(now):
                return False
            ReferralEscalation.objects.create(referral=referral)
            recipients = sorted(set(_supervisors(referral.from_agency_id)) | set(_supervisors(referral.to_agency_id)))
            notifications.notify(referral=referral, kind=NotificationKind.OVERDUE, recipients=recipients)
            _record(referral=referral, actor=None, action="escalated", from_status=referral.status)
            _audit(actor=None, origin=None, action="referral.escalated", referral=referral, recipients=len(recipients))
    except IntegrityError:
        return False
    return True


def overdue_unescalated_ids(*, now=None) -> list[int]:
    from referrals.deadlines import overdue_q

    return list(
        Referral.objects.filter(overdue_q(now), escalation__isnull=True).order_by("due_at").values_list("id", flat=True)
    )
