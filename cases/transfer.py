"""Transfer of a case's ownership to another agency (an accepted transfer
referral). The one write of ``Case.agency`` after creation.

The caller (``referrals.services.referral_accept``) has checked the actor and
the referral, and holds its transaction: this moves the case, ends any grant
the new owner held (it sees the case through ownership now), hands the case
to the receiving caseworker, writes the case history and the audit entry, and
announces the change once the transaction commits.
"""

from django.db import transaction

from agencies.models import Agency, Membership
from cases import grants
from cases.models import Case, CaseAssignment, CaseStatusChange
from cases.services import Origin, _audit
from cases.signals import send_case_changed_on_commit


def case_transfer(
    *,
    actor: Membership,
    case_id: int,
    to_agency: Agency,
    assignee: Membership | None,
    referral_id: int,
    origin: Origin | None = None,
) -> Case:
    """Make ``to_agency`` the owner of case ``case_id``. Locks the case row."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        from_agency_id = case.agency_id
        if from_agency_id == to_agency.pk:
            return case
        case.agency = to_agency
        case.version += 1
        case.save(update_fields=["agency", "version", "updated_at"])
        ended = grants.revoke_case_access(case=case, agency=to_agency)
        # The sending agency's caseworkers no longer work the case.
        CaseAssignment.objects.filter(case=case).delete()
        if assignee is not None:
            CaseAssignment.objects.create(case=case, membership=assignee)
        CaseStatusChange.objects.create(
            case=case, from_status=case.status, to_status=case.status, transition="transfer", actor=actor
        )
        _audit(
            actor=actor,
            origin=origin,
            action="case.transferred",
            case_id=case.pk,
            details={
                "from_agency_id": from_agency_id,
                "to_agency_id": to_agency.pk,
                "referral_id": referral_id,
                "grants_ended": ended,
            },
        )
    send_case_changed_on_commit(case_id=case.pk, change="transferred")
    return case
