"""Who may manage whose account: the one place that answers it.

- An administrator (an active staff superuser) manages every account.
- An agency admin, acting for that membership, manages the memberships of
  their own agency. Account-wide actions (password, second factor, turning
  the whole account off) touch every agency the person works for, so an
  agency admin may take them only when all of the person's memberships are in
  their agency and the person is not an administrator.
- Anyone else manages nobody.

A person outside the manager's reach is answered exactly like a missing one
(404), and the attempt is audited.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from agencies.models import Membership, Role
from audit.services import audit_request

User = get_user_model()


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.is_superuser)


def managed_agency_id(request) -> int | None:
    """The agency the request may manage, None for all (administrators).
    Raises PermissionDenied for people who manage no accounts."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == Role.AGENCY_ADMIN:
        return membership.agency_id
    if membership is None and is_administrator(request.user):
        return None
    raise PermissionDenied


def _deny(request, *, target_type: str, target_id) -> None:
    audit_request(request, action="accounts.access_denied", target_type=target_type, target_id=target_id)
    raise Http404


def person_for_manager(request, user_id: int):
    """The person ``user_id`` if the request may manage them, else 404 (audited)."""
    agency_id = managed_agency_id(request)
    people = User.objects.all()
    if agency_id is not None:
        people = people.filter(memberships__agency_id=agency_id).distinct()
    person = people.filter(pk=user_id).first()
    if person is None:
        _deny(request, target_type="user", target_id=user_id)
    return person


def membership_for_manager(request, person, membership_id: int) -> Membership:
    agency_id = managed_agency_id(request)
    memberships = Membership.objects.filter(user=person).select_related("agency", "user")
    if agency_id is not None:
        memberships = memberships.filter(agency_id=agency_id)
    membership = memberships.filter(pk=membership_id).first()
    if membership is None:
        _deny(request, target_type="membership", target_id=membership_id)
    return membership


def can_manage_account(request, person) -> bool:
    """May the request take account-wide actions on ``person``?"""
    if person.pk == request.user.pk:
        return False  # one's own account is changed on "My account"
    agency_id = managed_agency_id(request)
    if agency_id is None:
        return True
    if person.is_staff or person.is_superuser:
        return False
    agencies = set(Membership.objects.filter(user=person).values_list("agency_id", flat=True))
    return agencies == {agency_id}


def require_account_manager(request, person) -> None:
    if not can_manage_account(request, person):
        raise PermissionDenied


def can_manage_membership(request, membership) -> bool:
    """Role and membership changes: not on one's own membership (an agency
    admin cannot lock themselves out or promote themselves)."""
    return membership.user_id != request.user.pk
