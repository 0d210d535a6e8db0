"""The home page's panels for each role: what this person can do now.

Each later app adds a provider here (a caseworker's queues, a supervisor's
approvals, a program officer's activities); a provider returns panels for the
request's active membership or nothing.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Role

ROLE_SUMMARIES = {
    Role.CASEWORKER: _(
        "You record incidents, the people involved, services, notes and consent, "
        "and work the cases of your agency and the cases referred to it."
    ),
    Role.SUPERVISOR: _(
        "You work cases like a caseworker, and you approve referrals, closures and "
        "overrides, assign caseworkers and see who viewed a case."
    ),
    Role.PROGRAM_OFFICER: _("You record prevention program activities, participants and targets."),
    Role.ANALYST: _("You read dashboards and aggregate reports. No person or case is ever shown to you."),
    Role.AGENCY_ADMIN: _("You manage the accounts and memberships of your agency. You see no case."),
}


def _membership_panel(request):
    membership = request.membership
    return {
        "title": membership.agency.name,
        "body": ROLE_SUMMARIES[membership.role],
        "facts": [(_("Your role"), membership.get_role_display()), (_("Agency"), membership.agency.name)],
        "links": [],
    }


def _administrator_panel(request):
    return {
        "title": _("Administration"),
        "body": _("You manage agencies and reference data (regions, SIMFONI-PPA lists). You see no case data."),
        "facts": [],
        "links": [(_("Open the administration"), reverse("admin:index"))],
    }


PANEL_PROVIDERS = []


def home_panels_for(request) -> list[dict]:
    if request.membership is not None:
        panels = [_membership_panel(request)]
    elif request.user.is_staff:
        panels = [_administrator_panel(request)]
    else:
        panels = []
    for provider in PANEL_PROVIDERS:
        panels.extend(provider(request))
    return panels
