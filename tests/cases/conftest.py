"""Case fixtures: alice (caseworker) and bob (supervisor) work in the owning
agency uptd; charlie works in police (the outsider, unless a grant says
otherwise); dave is another caseworker of uptd, not assigned."""

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from cases import grants
from cases.models import Consent, Party, PartyRole
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartyFactory,
    PersonFactory,
    UserFactory,
)

# The callers of the isolation matrices (API and pages).
ROLES = [
    "owner_caseworker",
    "owner_supervisor",
    "other_agency",
    "limited_grant",
    "owner_analyst",
    "no_membership",
    "anonymous",
    "superuser",
]
OUTSIDERS = {"other_agency", "owner_analyst"}
NO_ACTOR = {"no_membership", "anonymous", "superuser"}


@pytest.fixture
def dave(uptd):
    return MembershipFactory(user=UserFactory(username="dave"), agency=uptd, role=Role.CASEWORKER)


@pytest.fixture
def case(uptd, alice):
    case = CaseFactory(agency=uptd)
    case.assignments.create(membership=alice)
    return case


@pytest.fixture
def puskesmas(db):
    return AgencyFactory(code="puskesmas-test", name="Puskesmas Test", kind="health")


@pytest.fixture
def erin(puskesmas):
    """A caseworker of an agency holding a limited grant on ``case``."""
    return MembershipFactory(user=UserFactory(username="erin"), agency=puskesmas, role=Role.CASEWORKER)


@pytest.fixture
def limited_grant(case, puskesmas):
    grants.grant_case_access(case=case, agency=puskesmas, level=grants.Access.LIMITED)
    return case


@pytest.fixture
def world(case, uptd, alice, bob, charlie, erin, limited_grant):
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM)
    perpetrator_person = PersonFactory(case=case, name="Contoh Pelaku 001", estimated_age=35)
    perpetrator = PartyFactory(case=case, person=perpetrator_person, role=PartyRole.PERPETRATOR)
    consent = Consent.objects.create(
        case=case,
        victim=victim,
        given_by=victim.person,
        given_by_capacity="victim",
        purpose="recording",
        agency_kinds=["service_unit"],
        disclosure_level="full",
        given_on=timezone.localdate(),
    )
    analyst = MembershipFactory(user=UserFactory(username="analyst"), agency=uptd, role=Role.ANALYST)
    nomember = UserFactory(username="nomember")
    root = UserFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    return {
        "case": case,
        "victim": victim,
        "perpetrator": perpetrator,
        "consent": consent,
        "owner_caseworker": alice,
        "owner_supervisor": bob,
        "other_agency": charlie,
        "limited_grant": erin,
        "owner_analyst": analyst,
        "nomember": nomember,
        "root": root,
    }


def client_as(world, role) -> Client:
    """A client signed in as one of the matrix roles of ``world``."""
    if role == "anonymous":
        return Client()
    if role == "no_membership":
        return sign_in(Client(), world["nomember"])
    if role == "superuser":
        return sign_in(Client(), world["root"])
    return sign_in(Client(), world[role].user, membership=world[role])
