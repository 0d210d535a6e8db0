"""The intake flow in the browser's terms (HTTP): drafts that autosave and
resume, belong to their membership only, refuse a stale revision without
losing input; a submit that makes exactly one case; errors next to the field
with everything typed kept; the NIK check; "same person as" offers through
the gate; consent rules; constant query counts."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.sessions import LAST_ACTIVE_AT
from agencies.models import Kelurahan, Role
from audit.models import AuditEvent
from cases import intake
from cases.fields import blind_index
from cases.models import Case, Consent, IntakeDraft, Party, PartyRole, PerpetratorRelation, Person
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, PartyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def t(message: str) -> str:
    """``message`` as the (Indonesian by default) pages show it."""
    with translation.override("id"):
        return translation.gettext(message)


VICTIM_NIK = "3276014506120003"  # a girl born 5 June 2012, Depok
MOTHER_NIK = "3276015208850002"  # a woman born 12 August 1985, Depok
BANDUNG_NIK = "3273011001800004"  # a man born 10 January 1980, Bandung


# --- the case page, until its own helper's route exists ------------------------------


# --- helpers ------------------------------------------------------------------------------


def english(client: Client) -> Client:
    """Pages in English, so the tests read the messages as written in code
    (Indonesian is the default; ``test_errors_are_in_the_user_s_language``)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def alice_client(alice):
    return english(sign_in(Client(), alice.user, membership=alice))


def _kelurahan_code() -> str:
    return Kelurahan.objects.order_by("code").values_list("code", flat=True).first()


def full_intake(**overrides) -> dict:
    """A complete intake: two victims (a girl of 14 and her mother), the
    father as alleged perpetrator, the mother reporting; consent for the girl
    from her mother as parent, and from the mother for herself."""
    today = timezone.localdate()
    data = {
        "persons": ["p1:victim", "p2:victim", "p3:perpetrator"],
        "incident-reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "incident-intake_channel": "LANGSUNG",
        "incident-occurred_on": (today - timedelta(days=2)).isoformat(),
        "incident-occurred_precision": "day",
        "incident-place_category": "RUMAH_TANGGA",
        "incident-incident_kelurahan": _kelurahan_code(),
        "incident-local_case_type": "FISIK",
        "incident-risk": "TINGGI",
        "incident-is_kdrt": "on",
        "incident-chronology": "Kronologi contoh: kejadian di rumah pada malam hari.",
        "person-p1-name": "Contoh Anak Satu",
        "person-p1-nik": VICTIM_NIK,
        "person-p1-sex": "P",
        "person-p1-birth_date": "2012-06-05",
        "person-p1-violence_types": ["FISIK", "PSIKIS"],
        "person-p1-safe_to_call": "no",
        "person-p2-name": "Contoh Ibu Satu",
        "person-p2-nik": MOTHER_NIK,
        "person-p2-sex": "P",
        "person-p2-estimated_age": "40",
        "person-p2-also_reporter": "on",
        "person-p2-phone": "0812 3456 7890",
        "person-p2-violence_types": ["PSIKIS"],
        "person-p3-name": "Contoh Ayah Satu",
        "person-p3-sex": "L",
        "person-p3-estimated_age": "45",
        "relation-p3-p1-relationship": "ORANG_TUA",
        "relation-p3-p2-relationship": "SUAMI_ISTRI",
        "consent-p1-purposes": ["recording", "referral"],
        "consent-p1-given_by": "p2",
        "consent-p1-capacity": "parent",
        "consent-p1-agency_kinds": ["service_unit", "health"],
        "consent-p1-disclosure_level": "contact",
        "consent-p1-given_on": today.isoformat(),
        "consent-p2-purposes": ["recording"],
        "consent-p2-given_by": "p2",
        "consent-p2-capacity": "victim",
        "consent-p2-agency_kinds": ["service_unit"],
        "consent-p2-disclosure_level": "full",
        "consent-p2-given_on": today.isoformat(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _start_draft(client, **fields) -> IntakeDraft:
    response = client.post(reverse("cases:intake_start"), {"action": "save", **fields})
    assert response.status_code == 302
    return IntakeDraft.objects.order_by("-id").first()


def _draft_url(draft, name="cases:intake_draft") -> str:
    return reverse(name, kwargs={"draft_id": draft.pk})


# --- the NIK check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "error"),
    [
        ("327601450612", "16 digits"),
        ("32760145061200AB", "16 digits"),
        ("9976014506120003", "province"),
        ("2076014506120003", "province"),
        ("3276013206120003", "date of birth"),  # day 32
        ("3276017206120003", "date of birth"),  # day 72 (a woman's days end at 71)
        ("3276011513120003", "date of birth"),  # month 13
        ("3276010006120003", "date of birth"),  # day 00
    ],
)
def test_an_implausible_nik_is_refused(nik, error):
    with translation.override("en"):
        assert error in " ".join(intake.nik_check(nik).errors)


def test_a_plausible_nik_passes_and_a_woman_is_written_plus_forty():
    assert intake.nik_check(VICTIM_NIK, sex="P", birth_date=date(2012, 6, 5)) == intake.NikCheck()
    assert intake.nik_check("3276011506120003", sex="L", birth_date=date(2012, 6, 15)) == intake.NikCheck()
    assert intake.nik_check("9676011506120003").errors == []  # Papua Barat Daya (2022)


def test_a_nik_from_outside_depok_or_at_odds_with_the_person_warns_only():
    check = intake.nik_check(BANDUNG_NIK, sex="P", birth_date=date(1980, 1, 11))
    assert check.errors == []
    assert len(check.warnings) == 3  # outside Depok, a man's NIK for a woman, another birth date


# --- pages and ownership ----------------------------------------------------------------------


def test_the_start_page_offers_an_empty_form_and_only_ones_own_drafts(alice, bob, alice_client):
    mine = intake.draft_create(membership=alice, data=intake.new_draft_data())
    theirs = intake.draft_create(membership=bob, data=intake.new_draft_data())
    response = alice_client.get(reverse("cases:intake_start"))
    assert response.status_code == 200
    page = response.content.decode()
    assert _draft_url(mine) in page
    assert _draft_url(theirs) not in page
    assert 'name="incident-chronology"' in page
    assert "css/intake.css" in page and "js/intake.js" in page


def test_a_draft_is_its_membership_s_only(alice, bob, charlie, client_for):
    draft = intake.draft_create(membership=alice, data=intake.new_draft_data())
    # The same person acting for another agency is someone else too.
    other_membership = MembershipFactory(user=alice.user, agency=charlie.agency, role=Role.CASEWORKER)
    for membership in (bob, charlie, other_membership):
        client = client_for(membership)
        assert client.get(_draft_url(draft)).status_code == 404
        assert client.post(_draft_url(draft), {"action": "save"}).status_code == 404
        assert client.post(_draft_url(draft, "cases:intake_autosave"), {"revision": 1}).status_code == 404
        assert client.post(_draft_url(draft, "cases:intake_discard")).status_code == 404
        assert client.post(_draft_url(draft, "cases:intake_matches"), {"person": "p1"}).status_code == 404
    draft.refresh_from_db()
    assert draft.revision == 1


def test_roles_that_do_not_work_cases_cannot_start_an_intake(uptd, client_for):
    analyst = MembershipFactory(user=UserFactory(username="ana"), agency=uptd, role=Role.ANALYST)
    response = client_for(analyst).get(reverse("cases:intake_start"))
    assert response.status_code == 403
    assert 'name="incident-chronology"' not in response.content.decode()


def test_anonymous_callers_are_sent_to_sign_in(client):
    response = client.get(reverse("cases:intake_start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- autosave and resume ---------------------------------------------------------------------------


def test_the_first_autosave_creates_the_draft_and_later_ones_carry_the_revision(alice, alice_client):
    response = alice_client.post(
        reverse("cases:intake_start"),
        {"persons": ["p1:victim"], "person-p1-name": "Contoh Korban Baru", "incident-chronology": "Awal"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    draft = IntakeDraft.objects.get(pk=body["draft_id"])
    assert draft.membership == alice
    assert body["autosave"] == _draft_url(draft, "cases:intake_autosave")
    assert body["revision"] == 1
    saved = alice_client.post(
        body["autosave"],
        {
            "revision": 1,
            "persons": ["p1:victim"],
            "person-p1-name": "Contoh Korban Baru",
            "incident-chronology": "Lagi",
        },
        HTTP_ACCEPT="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["revision"] == 2
    data = intake.draft_data(IntakeDraft.objects.get(pk=draft.pk))
    assert data["fields"]["incident-chronology"] == "Lagi"
    assert data["persons"] == [{"key": "p1", "kind": "victim"}]
    # Stored encrypted: the name is not in the row's raw text.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM cases_intakedraft WHERE id = %s", [draft.pk])
        assert "Contoh Korban" not in cursor.fetchone()[0]
    # Resuming shows what was typed.
    page = alice_client.get(_draft_url(draft)).content.decode()
    assert "Contoh Korban Baru" in page and "Lagi" in page


def test_a_stale_revision_is_refused_and_nothing_is_lost(alice, alice_client):
    draft = _start_draft(alice_client, **{"incident-chronology": "Versi awal"})
    autosave = _draft_url(draft, "cases:intake_autosave")
    first_tab = alice_client.post(autosave, {"revision": 1, "incident-chronology": "Dari tab pertama"})
    assert first_tab.status_code == 200
    second_tab = alice_client.post(autosave, {"revision": 1, "incident-chronology": "Dari tab kedua"})
    assert second_tab.status_code == 409
    assert second_tab.json()["error"] == "stale"
    assert "another window or tab" in second_tab.json()["message"]
    assert intake.draft_data(IntakeDraft.objects.get(pk=draft.pk))["fields"]["incident-chronology"] == (
        "Dari tab pertama"
    )
    # The same refusal through the form itself keeps the second tab's text on its page.
    page = alice_client.post(_draft_url(draft), {"revision": 1, "action": "save", "incident-chronology": "Tab dua"})
    assert page.status_code == 409
    text = page.content.decode()
    assert "Tab dua" in text and "Save my version as a new draft" in text
    # …and "save my version as a new draft" keeps both.
    copy = alice_client.post(reverse("cases:intake_start"), {"action": "save", "incident-chronology": "Tab dua"})
    assert copy.status_code == 302
    assert IntakeDraft.objects.filter(membership=alice).count() == 2


def test_autosave_counts_as_activity_for_the_session(alice_client, alice):
    draft = _start_draft(alice_client)
    session = alice_client.session
    session[LAST_ACTIVE_AT] = session[LAST_ACTIVE_AT] - 300
    session.save()
    before = alice_client.session[LAST_ACTIVE_AT]
    response = alice_client.post(_draft_url(draft, "cases:intake_autosave"), {"revision": draft.revision})
    assert response.status_code == 200
    assert alice_client.session[LAST_ACTIVE_AT] > before


def test_adding_and_removing_people_keeps_what_was_typed(alice_client):
    draft = _start_draft(alice_client, **{"persons": ["p1:victim"], "person-p1-name": "Contoh Korban Dua"})
    response = alice_client.post(
        _draft_url(draft),
        {"revision": draft.revision, "action": "add:victim", "persons": ["p1:victim"], "person-p1-name": "Korban A"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#person-p2")
    data = intake.draft_data(IntakeDraft.objects.get(pk=draft.pk))
    assert [p["key"] for p in data["persons"]] == ["p1", "p2"]
    assert data["fields"]["person-p1-name"] == "Korban A"
    response = alice_client.post(
        _draft_url(draft),
        {"revision": draft.revision + 1, "action": "remove:p1", "persons": ["p1:victim", "p2:victim"]},
    )
    assert response.status_code == 302
    assert [p["key"] for p in intake.draft_data(IntakeDraft.objects.get(pk=draft.pk))["persons"]] == ["p2"]


def test_drafts_for_lists_ten_newest_unsubmitted_own_drafts(alice, bob, case):
    drafts = [intake.draft_create(membership=alice, data=intake.new_draft_data()) for _ in range(12)]
    IntakeDraft.objects.filter(pk=drafts[-1].pk).update(submitted_case=case)
    intake.draft_create(membership=bob, data=intake.new_draft_data())
    with translation.override("en"):
        listed = intake.drafts_for(membership=alice)
    assert [draft.pk for draft in listed] == [draft.pk for draft in reversed(drafts[:-1])][:10]
    assert listed[0].summary == "1 victim, 1 alleged perpetrator"


def test_a_draft_can_be_discarded_after_a_question(alice, alice_client):
    draft = _start_draft(alice_client)
    question = alice_client.get(_draft_url(draft, "cases:intake_discard"))
    assert question.status_code == 200
    assert "cannot be undone" in question.content.decode()
    response = alice_client.post(_draft_url(draft, "cases:intake_discard"))
    assert response.status_code == 302
    assert not IntakeDraft.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="intake.draft_discarded", target_id=str(draft.pk)).count() == 1
    assert alice_client.get(_draft_url(draft)).status_code == 404


# --- submit ---------------------------------------------------------------------------------------------


def test_submit_makes_the_case_with_its_parties_relations_and_consents(alice, alice_client):
    draft = _start_draft(alice_client)
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **full_intake()})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", kwargs={"case_id": case.pk})
    assert case.agency == alice.agency and case.created_by == alice
    assert case.risk.code == "TINGGI" and case.is_kdrt and case.chronology.startswith("Kronologi contoh")
    roles = sorted(Party.objects.filter(case=case).values_list("person__name", "role"))
    assert roles == [
        ("Contoh Anak Satu", "victim"),
        ("Contoh Ayah Satu", "perpetrator"),
        ("Contoh Ibu Satu", "reporter"),
        ("Contoh Ibu Satu", "victim"),
    ]
    girl = Party.objects.get(case=case, role=PartyRole.VICTIM, person__nik_hash=blind_index("nik", VICTIM_NIK))
    assert sorted(girl.violence_types.values_list("code", flat=True)) == ["FISIK", "PSIKIS"]
    relations = sorted(
        PerpetratorRelation.objects.filter(case=case).values_list("victim__person__name", "relationship__code")
    )
    assert relations == [("Contoh Anak Satu", "ORANG_TUA"), ("Contoh Ibu Satu", "SUAMI_ISTRI")]
    consents = Consent.objects.filter(case=case)
    assert sorted(consents.values_list("victim__person__name", "purpose", "given_by_capacity")) == [
        ("Contoh Anak Satu", "recording", "parent"),
        ("Contoh Anak Satu", "referral", "parent"),
        ("Contoh Ibu Satu", "recording", "victim"),
    ]
    assert Person.objects.get(case=case, name_hash=blind_index("name", "Contoh Anak Satu")).safe_to_call is False
    draft.refresh_from_db()
    assert draft.submitted_case == case and draft.data == ""
    assert intake.drafts_for(membership=alice) == []
    assert AuditEvent.objects.filter(action="case.created", target_id=str(case.pk)).count() == 1
    assert AuditEvent.objects.filter(action="intake.draft_submitted", target_id=str(draft.pk)).count() == 1


def test_a_double_submit_makes_one_case(alice_client):
    draft = _start_draft(alice_client)
    body = {"revision": draft.revision, "action": "submit", **full_intake()}
    first = alice_client.post(_draft_url(draft), body)
    second = alice_client.post(_draft_url(draft), body)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    # A late autosave from the same page cannot revive the submitted draft.
    late = alice_client.post(_draft_url(draft, "cases:intake_autosave"), body)
    assert late.status_code == 409 and late.json()["error"] == "submitted"
    assert alice_client.get(_draft_url(draft))["Location"] == first["Location"]


def test_a_double_submit_from_the_start_page_makes_one_case(alice_client):
    body = {"action": "submit", "start_token": "a" * 32, **full_intake()}
    first = alice_client.post(reverse("cases:intake_start"), body)
    second = alice_client.post(reverse("cases:intake_start"), body)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_draft_submit_under_a_lock_returns_the_same_case(alice, alice_client):
    draft = _start_draft(alice_client)
    from django.http import QueryDict

    from cases.forms_intake import IntakeChoices, IntakeForms, draft_fields_from_post

    post = QueryDict(mutable=True)
    for key, value in full_intake().items():
        post.setlist(key, value if isinstance(value, list) else [value])
    persons = [{"key": "p1", "kind": "victim"}, {"key": "p2", "kind": "victim"}, {"key": "p3", "kind": "perpetrator"}]
    choices = IntakeChoices()
    forms_ = IntakeForms(
        data={"persons": persons, "fields": draft_fields_from_post(post, persons, choices)}, choices=choices, bound=True
    )
    assert forms_.is_valid(), forms_.error_summary()
    first, created = intake.draft_submit(
        membership=alice, draft_id=draft.pk, revision=None, submission=forms_.submission()
    )
    again, created_again = intake.draft_submit(
        membership=alice, draft_id=draft.pk, revision=None, submission=forms_.submission()
    )
    assert (created, created_again) == (True, False)
    assert first == again and Case.objects.count() == 1


# --- errors next to the field, nothing lost ---------------------------------------------------------------


def test_errors_show_next_to_the_field_and_everything_typed_stays(alice_client):
    draft = _start_draft(alice_client)
    body = full_intake(
        **{
            "person-p1-name": "",
            "person-p1-nik": "32760145061",
            "person-p2-estimated_age": "",
            "person-p2-birth_date": "",
            "incident-chronology": "Kronologi yang panjang dan tidak boleh hilang.",
        }
    )
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 200
    page = response.content.decode()
    assert Case.objects.count() == 0
    assert 'id="id_person-p1-name_error"' in page
    assert 'id="id_person-p1-nik_error"' in page and "exactly 16 digits" in page
    assert 'id="id_person-p2-birth_date_error"' in page
    assert 'href="#id_person-p1-name"' in page  # the summary links to the field
    # What was typed is on the page and in the draft.
    assert "Kronologi yang panjang dan tidak boleh hilang." in page
    assert 'value="32760145061"' in page
    assert 'value="Contoh Ayah Satu"' in page
    saved = intake.draft_data(IntakeDraft.objects.get(pk=draft.pk))["fields"]
    assert saved["person-p1-nik"] == "32760145061"
    assert saved["person-p1-violence_types"] == ["FISIK", "PSIKIS"]


def test_errors_are_in_the_user_s_language(alice):
    client = sign_in(Client(), alice.user, membership=alice)  # no choice made: Indonesian
    draft = _start_draft(client)
    body = {"revision": draft.revision, "action": "submit", **full_intake(**{"person-p1-birth_date": "2099-01-01"})}
    response = client.post(_draft_url(draft), body)
    page = response.content.decode()
    assert response["Content-Language"] == "id"
    assert t("The birth date is in the future.") in page
    assert "The birth date is in the future." not in page
    assert t("Submit case") != "Submit case", "the intake's Indonesian messages are in the catalogue"
    english(client)
    page = client.post(_draft_url(draft), {**body, "revision": draft.revision + 1}).content.decode()
    assert "The birth date is in the future." in page


def test_a_nik_from_outside_depok_warns_but_does_not_block(alice_client):
    draft = _start_draft(alice_client, **{"persons": ["p1:victim"], "person-p1-nik": BANDUNG_NIK})
    page = alice_client.get(_draft_url(draft)).content.decode()
    assert "outside Kota Depok" in page
    body = full_intake(**{"person-p3-nik": BANDUNG_NIK})
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 302
    assert Person.objects.get(nik_hash=blind_index("nik", BANDUNG_NIK)).name == "Contoh Ayah Satu"


def test_the_age_and_the_child_flag_are_derived(alice_client):
    today = timezone.localdate()
    draft = _start_draft(
        alice_client,
        **{
            "persons": ["p1:victim", "p2:victim"],
            "incident-occurred_on": today.isoformat(),
            "person-p1-birth_date": date(today.year - 12, 1, 1).isoformat(),
            "person-p2-estimated_age": "30",
        },
    )
    page = alice_client.get(_draft_url(draft)).content.decode()
    assert "Age at the incident: 12 years" in page and ">Child<" in page
    assert "Age at the incident: 30 years" in page and ">Adult<" in page


def test_the_alleged_perpetrator_cannot_give_consent(alice_client):
    draft = _start_draft(alice_client)
    body = full_intake(**{"consent-p1-given_by": "p3"})
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The alleged perpetrator cannot give consent." in page
    assert 'id="id_consent-p1-given_by_error"' in page
    assert Case.objects.count() == 0


def test_a_child_does_not_consent_alone_and_an_adult_consents_personally(alice_client):
    draft = _start_draft(alice_client)
    body = full_intake(
        **{"consent-p1-given_by": "p1", "consent-p1-capacity": "victim", "consent-p2-capacity": "parent"}
    )
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 200
    page = response.content.decode()
    assert "For a child, a parent or guardian gives consent." in page
    assert "An adult victim gives consent personally." in page
    assert Case.objects.count() == 0


def test_a_consent_needs_its_details_once_a_purpose_is_ticked(alice_client):
    draft = _start_draft(alice_client)
    body = full_intake(**{"consent-p2-agency_kinds": None, "consent-p2-disclosure_level": None})
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tick the kinds of agency the consent covers." in page and "Choose what may be shared." in page


def test_someone_must_be_the_reporter(alice_client):
    draft = _start_draft(alice_client)
    response = alice_client.post(
        _draft_url(draft),
        {"revision": draft.revision, "action": "submit", **full_intake(**{"person-p2-also_reporter": None})},
    )
    assert response.status_code == 200
    assert "Say who reported the case" in response.content.decode()


# --- "same person as" -----------------------------------------------------------------------------------


@pytest.fixture
def earlier_case(uptd):
    case = CaseFactory(agency=uptd, victim__nik=VICTIM_NIK, victim__name="Nama Lama Korban")
    return case


def test_a_match_in_a_visible_case_of_the_agency_is_offered_with_number_and_role_only(
    alice, alice_client, earlier_case, police
):
    foreign = CaseFactory(agency=police, victim__nik=VICTIM_NIK, victim__name="Nama Di Polisi")
    draft = _start_draft(alice_client)
    response = alice_client.post(
        _draft_url(draft, "cases:intake_matches"),
        {"person": "p1", "persons": ["p1:victim"], "person-p1-nik": VICTIM_NIK},
    )
    assert response.status_code == 200
    html = response.json()["matches"]
    assert earlier_case.register_number in html and "(Victim)" in html
    assert "Nama Lama Korban" not in html
    assert foreign.register_number not in html
    event = AuditEvent.objects.filter(action="case.searched").latest("id")
    assert event.details["case_ids"] == [earlier_case.pk]
    assert VICTIM_NIK not in str(event.details)
    # Values never travel in the URL: the endpoint answers POST only.
    assert alice_client.get(_draft_url(draft, "cases:intake_matches")).status_code == 405


def test_a_restricted_case_not_assigned_is_not_matched(alice_client, uptd):
    restricted = CaseFactory(agency=uptd, is_restricted=True, victim__nik=VICTIM_NIK)
    draft = _start_draft(alice_client)
    html = alice_client.post(
        _draft_url(draft, "cases:intake_matches"),
        {"person": "p1", "persons": ["p1:victim"], "person-p1-nik": VICTIM_NIK},
    ).json()["matches"]
    assert restricted.register_number not in html


def test_choosing_same_person_as_links_the_new_record(alice_client, earlier_case):
    earlier_person = Person.objects.get(case=earlier_case)
    draft = _start_draft(alice_client, **{"persons": ["p1:victim"], "person-p1-nik": VICTIM_NIK})
    page = alice_client.get(_draft_url(draft)).content.decode()
    assert earlier_case.register_number in page
    body = full_intake(**{"person-p1-same_person_as": str(earlier_person.pk)})
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 302
    new_case = Case.objects.exclude(pk=earlier_case.pk).get()
    linked = Person.objects.get(case=new_case, parties__role=PartyRole.VICTIM, same_person_as__isnull=False)
    assert linked.same_person_as == earlier_person


def test_a_link_to_someone_not_offered_is_refused(alice_client, police):
    foreign = CaseFactory(agency=police, victim__nik=VICTIM_NIK)
    foreign_person = Person.objects.get(case=foreign)
    draft = _start_draft(alice_client)
    body = full_intake(**{"person-p1-same_person_as": str(foreign_person.pk)})
    response = alice_client.post(_draft_url(draft), {"revision": draft.revision, "action": "submit", **body})
    assert response.status_code == 200
    assert Case.objects.filter(agency__code="uptd-test").count() == 0


# --- query counts -------------------------------------------------------------------------------------------


def _seed(alice, uptd, count: int) -> None:
    for _ in range(count):
        intake.draft_create(membership=alice, data=intake.new_draft_data())
        case = CaseFactory(agency=uptd, victim__nik=VICTIM_NIK)
        PartyFactory(case=case, person=PersonFactory(case=case), role="perpetrator")


def _count_queries(django_assert_num_queries, client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the session's once-a-minute activity write is not the page's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["start", "draft"])
def test_the_intake_page_queries_do_not_grow_with_drafts_or_cases(
    alice, uptd, alice_client, django_assert_num_queries, page
):
    draft = _start_draft(alice_client, **{"persons": ["p1:victim", "p2:perpetrator"], "person-p1-nik": VICTIM_NIK})
    url = reverse("cases:intake_start") if page == "start" else _draft_url(draft)
    _seed(alice, uptd, 3)
    few = _count_queries(django_assert_num_queries, alice_client, url)
    _seed(alice, uptd, 27)
    many = _count_queries(django_assert_num_queries, alice_client, url)
    assert few == many, "the intake page's queries grew with the number of drafts or cases"
    with django_assert_num_queries(many):
        alice_client.get(url)


def test_other_agency_members_never_match_uptd_people(charlie, earlier_case, client_for):
    client = client_for(charlie)
    draft = _start_draft(client)
    html = client.post(
        _draft_url(draft, "cases:intake_matches"),
        {"person": "p1", "persons": ["p1:victim"], "person-p1-nik": VICTIM_NIK, "person-p1-name": "Nama Lama Korban"},
    ).json()["matches"]
    assert earlier_case.register_number not in html


def test_a_second_membership_of_the_same_person_sees_its_own_drafts_only(alice, police):
    second = MembershipFactory(user=alice.user, agency=AgencyFactory(code="second"), role=Role.CASEWORKER)
    intake.draft_create(membership=alice, data=intake.new_draft_data())
    assert intake.drafts_for(membership=second) == []
