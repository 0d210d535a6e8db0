"""Grants on cases: the one module that knows django-guardian.

A grant is a guardian object permission held by the receiving agency's group
(``Agency.group``) in the direct-foreign-key table
``CaseGroupObjectPermission``, one codename per level. The owning agency holds
no rows: ownership is the case's ``agency`` column. No user ever holds a case
permission directly, and nothing asks ``user.has_perm`` for a case: the gate
(``cases.selectors``) joins these rows itself, for the acting membership's
agency only. Nothing outside this module imports guardian.
"""

from enum import IntEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from agencies.models import Agency
from cases.models import Case, CaseGroupObjectPermission


class Access(IntEnum):
    """What a membership may see of a case, in rising order."""

    LIMITED = 1
    CONTACT = 2
    FULL = 3
    OWNER = 4


LEVEL_CODENAMES: dict[Access, str] = {
    Access.LIMITED: "view_case_limited",
    Access.CONTACT: "view_case_contact",
    Access.FULL: "view_case_full",
}
CODENAME_LEVELS: dict[str, Access] = {codename: level for level, codename in LEVEL_CODENAMES.items()}
LEVEL_NAMES: dict[str, Access] = {"limited": Access.LIMITED, "contact": Access.CONTACT, "full": Access.FULL}


def codenames_at_least(level: Access) -> list[str]:
    """The grant codenames that give ``level`` or more."""
    return [codename for grant_level, codename in LEVEL_CODENAMES.items() if grant_level >= level]


def grant_rows(*, group_id: int, min_level: Access) -> QuerySet[CaseGroupObjectPermission]:
    """The grant rows of one agency's group at ``min_level`` or above (the
    gate's grant branch joins these).

    A grant on a case whose owning agency is deactivated does not count: the
    referral it came from ended with that agency, on the very next request
    (the receiving side's own deactivation already empties its branches)."""
    return CaseGroupObjectPermission.objects.filter(
        group_id=group_id,
        permission__codename__in=codenames_at_least(min_level),
        content_object__agency__is_active=True,
    )


def grant_case_access(*, case: Case, agency: Agency, level: Access) -> None:
    """Give ``agency`` ``level`` on ``case``, replacing any level it held.

    Call inside the transaction of the referral (or other decision) that opens
    the grant, and audit there. The owning agency is never granted: it sees the
    case through its ownership column.
    """
    if level not in LEVEL_CODENAMES:
        raise ValueError("A grant is limited, contact or full.")
    if agency.pk == case.agency_id:
        raise ValidationError(_("The owning agency needs no grant on its own case."))
    if not agency.is_active:
        raise ValidationError(_("A deactivated agency cannot receive a grant."))
    with transaction.atomic():
        CaseGroupObjectPermission.objects.filter(content_object=case, group_id=agency.group_id).delete()
        assign_perm(LEVEL_CODENAMES[level], agency.group, case)


def revoke_case_access(*, case: Case, agency: Agency) -> int:
    """End ``agency``'s grant on ``case``; effective on the very next request."""
    deleted, _details = CaseGroupObjectPermission.objects.filter(content_object=case, group_id=agency.group_id).delete()
    return deleted


def revoke_all_case_access(*, case: Case) -> int:
    """End every grant on ``case`` (archiving, consent withdrawn)."""
    deleted, _details = CaseGroupObjectPermission.objects.filter(content_object=case).delete()
    return deleted


def case_grant_level(*, case: Case, agency: Agency) -> Access | None:
    """The level ``agency`` holds on ``case`` by grant, or None."""
    codename = (
        CaseGroupObjectPermission.objects.filter(content_object=case, group_id=agency.group_id)
        .values_list("permission__codename", flat=True)
        .first()
    )
    return CODENAME_LEVELS.get(codename) if codename else None


def case_grants(*, case: Case) -> list[tuple[int, Access]]:
    """(agency id, level) of every grant on ``case``."""
    rows = CaseGroupObjectPermission.objects.filter(
        content_object=case, permission__codename__in=list(CODENAME_LEVELS)
    ).values_list("group__agency__id", "permission__codename")
    return sorted((agency_id, CODENAME_LEVELS[codename]) for agency_id, codename in rows if agency_id)


def guardian_visible_cases(*, user, codename: str) -> QuerySet[Case]:
    """guardian's own ``get_objects_for_user`` (through ``user.groups``). Used
    only by the benchmark, as the yardstick the gate is measured against."""
    from guardian.shortcuts import get_objects_for_user

    return get_objects_for_user(user, f"cases.{codename}", klass=Case, with_superuser=False, accept_global_perms=False)
