"""The navigation of each role. One place, so a role's menu is read in one look.

Later issues add their entries here (case list, referrals, programs,
dashboards); an entry names a URL and the roles that see it.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from agencies.models import CASE_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    # A number shown beside the entry: a NavCounts field of referrals.selectors.
    count: str = ""


ALL_ROLES = frozenset(Role.values)

NAV_ITEMS = [
    NavItem(_("Home"), "home", ALL_ROLES),
    NavItem(_("Cases"), "cases:list", CASE_ROLES),
    NavItem(_("New case"), "cases:intake_start", CASE_ROLES),
    NavItem(_("Referrals"), "referrals:incoming", CASE_ROLES, count="incoming"),
    NavItem(_("Notifications"), "referrals:notifications", CASE_ROLES, count="unread"),
    NavItem(_("Agency accounts"), "accounts:agency_people", frozenset({Role.AGENCY_ADMIN})),
    NavItem(_("My account"), "accounts:profile", ALL_ROLES),
]

ADMINISTRATOR_ITEMS = [
    NavItem(_("Home"), "home", frozenset()),
    NavItem(_("Administration"), "admin:index", frozenset()),
]


def _lazy_count(membership, name: str) -> SimpleLazyObject:
    """Counted only if a template shows it: two queries per request whatever
    the data (referrals.selectors.nav_counts keeps them for the request)."""
    from referrals.selectors import nav_counts

    return SimpleLazyObject(lambda: getattr(nav_counts(membership=membership), name))


def navigation_for(*, user, membership) -> list[dict]:
    if membership is not None:
        items = [item for item in NAV_ITEMS if membership.role in item.roles]
    elif user.is_authenticated and user.is_staff:
        items = ADMINISTRATOR_ITEMS
    else:
        items = []
    entries = []
    for item in items:
        try:
            entry = {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
        except NoReverseMatch:
            # An entry whose page belongs to an app not installed in this build.
            continue
        if item.count:
            entry["count"] = _lazy_count(membership, item.count)
        entries.append(entry)
    return entries
