"""Account and membership changes. Each is audited in its own transaction,
and group membership follows the person's active memberships (the agency's
group is where grants on cases are held; no permission row is ever written
for a person)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from agencies.models import Agency, Membership
from audit.services import audit_record

User = get_user_model()


def _sync_agency_group(*, user, agency: Agency) -> None:
    in_agency = Membership.objects.filter(user=user, agency=agency, is_active=True).exists()
    if in_agency:
        user.groups.add(agency.group_id)
    else:
        user.groups.remove(agency.group_id)


def membership_create(
    *, actor_id: int | None, user, agency: Agency, role: str, request_meta: dict | None = None
) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(user=user, agency=agency, role=role)
        _sync_agency_group(user=user, agency=agency)
        audit_record(
            action="membership.create",
            actor_id=actor_id,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": user.pk, "agency_id": agency.pk, "role": role},
            **(request_meta or {}),
        )
    return membership


def membership_change_role(
    *, actor_id: int | None, membership: Membership, role: str, request_meta: dict | None = None
) -> Membership:
    with transaction.atomic():
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action="membership.role_change",
            actor_id=actor_id,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": membership.user_id, "agency_id": membership.agency_id, "from": previous, "to": role},
            **(request_meta or {}),
        )
    return membership


def membership_set_active(
    *, actor_id: int | None, membership: Membership, active: bool, request_meta: dict | None = None
) -> Membership:
    with transaction.atomic():
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        _sync_agency_group(user=membership.user, agency=membership.agency)
        audit_record(
            action="membership.reactivate" if active else "membership.deactivate",
            actor_id=actor_id,
            target_type="membership",
            target_id=membership.pk,
            details={"user_id": membership.user_id, "agency_id": membership.agency_id},
            **(request_meta or {}),
        )
    return membership
