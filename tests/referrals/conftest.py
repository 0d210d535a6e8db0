"""Referral fixtures. The sending agency is uptd (alice caseworker, bob
supervisor, owner of ``case``); the receiving agency is police (charlie
caseworker, pat supervisor); rsud is a third agency (zed supervisor)."""

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from cases.models import Consent, Party, PartyRole
from referrals import services
from referrals.services import ReferralInput
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, UserFactory


@pytest.fixture
def pat(police):
    return MembershipFactory(
        user=UserFactory(username="pat", email="pat@police.test"), agency=police, role=Role.SUPERVISOR
    )


@pytest.fixture
def rsud(db):
    return AgencyFactory(code="rsud-test", name="RSUD Test", kind="health")


@pytest.fixture
def zed(rsud):
    return MembershipFactory(user=UserFactory(username="zed"), agency=rsud, role=Role.SUPERVISOR)


@pytest.fixture
def case(uptd, alice):
    case = CaseFactory(agency=uptd, victim__name="Contoh Korban Rujukan", victim__safe_to_call=True)
    case.assignments.create(membership=alice)
    return case


@pytest.fixture
def victim(case):
    return Party.objects.get(case=case, role=PartyRole.VICTIM)


def make_consent(case, victim, *, kinds=("police",), level="contact", purpose="referral"):
    return Consent.objects.create(
        case=case,
        victim=victim,
        given_by=victim.person,
        given_by_capacity="victim",
        purpose=purpose,
        agency_kinds=list(kinds),
        disclosure_level=level,
        given_on=timezone.localdate(),
    )


@pytest.fixture
def consent(case, victim):
    return make_consent(case, victim)


def referral_input(to_agency, **overrides) -> ReferralInput:
    values = {
        "to_agency_id": to_agency.pk,
        "urgency": "urgent",
        "requested_services": ["PENEGAKAN_HUKUM"],
        "reason": "Alasan rujukan rahasia.",
        "summary": "Ringkasan untuk penerima rahasia.",
        "grant_level": "limited",
    }
    values.update(overrides)
    return ReferralInput(**values)


@pytest.fixture
def draft(case, alice, police, consent):
    referral, _created = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    return referral


@pytest.fixture
def sent(draft, alice, bob):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    return services.referral_approve(actor=bob, referral_id=draft.pk)


@pytest.fixture
def accepted(sent, charlie, pat):
    return services.referral_accept(actor=charlie, referral_id=sent.pk)


def client_of(membership) -> Client:
    return sign_in(Client(), membership.user, membership=membership)


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests: a test before may have flushed the lists the
    migration loaded; load them again when missing."""
    import io

    from django.core.management import call_command

    from agencies.models import Kelurahan, ReferenceItem

    if not ReferenceItem.objects.exists() or not Kelurahan.objects.exists():
        call_command("load_reference_data", stdout=io.StringIO())
