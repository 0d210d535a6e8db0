"""Case fixtures: alice (caseworker) and bob (supervisor) work in the owning
agency uptd; charlie works in police (the outsider, unless a grant says
otherwise); dave is another caseworker of uptd, not assigned."""

import pytest

from agencies.models import Role
from cases import grants
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, UserFactory


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
