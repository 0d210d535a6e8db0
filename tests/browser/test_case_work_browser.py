"""Case work on a 360×800 phone: a caseworker opens her case (made through the
services — intake has its own browser test), starts the assessment, writes the
plan, adds a task and a service, moves the case on and requests closure; her
supervisor approves the closure. Then the list, the case page and the home
queues are photographed at 360 and 1280 px to be looked at. No foreign
request, no CSP violation (the ``phone`` fixture fails on either)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from cases.models import CaseStatus, CaseTask, Service
from cases.services import CaseInput, PersonInput, RelationInput, case_create, case_transition, legal_step_add
from tests.browser.conftest import screenshot, sign_in_in_browser
from tests.factories import CaseFactory, MembershipFactory, UserFactory

# The reference lists a flush took are loaded again by tests/browser/conftest.py.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _named(membership, first: str, last: str):
    membership.user.first_name, membership.user.last_name = first, last
    membership.user.save()
    return membership


def _case(alice, *, name="Contoh Korban Satu", risk="TINGGI", tpks=True, hours=2):
    case, _created = case_create(
        actor=alice,
        data=CaseInput(
            reported_at=timezone.now() - timedelta(hours=hours),
            occurred_on=timezone.localdate() - timedelta(days=1),
            risk=risk,
            intake_channel="LANGSUNG",
            place_category="RUMAH_TANGGA",
            local_case_type="SEKSUAL" if tpks else "FISIK",
            is_kdrt=True,
            is_tpks=tpks,
            chronology="Korban (fiktif) melapor bersama ibunya setelah kejadian di rumah.",
            persons=[
                PersonInput(
                    roles=["victim"],
                    name=name,
                    nik="3276014507110002",
                    birth_date=timezone.localdate().replace(year=timezone.localdate().year - 14),
                    sex="P",
                    violence_types=["SEKSUAL", "PSIKIS"] if tpks else ["FISIK"],
                    safe_to_call=False,
                    safe_to_message=True,
                    safe_to_visit=False,
                    contact_safety_notes="Hubungi lewat pesan ke ibu setelah jam 16.00; ayah tiri di rumah pagi hari.",
                ),
                PersonInput(
                    roles=["reporter"],
                    name="Contoh Ibu Satu",
                    phone="081300001111",
                    estimated_age=41,
                    sex="P",
                    safe_to_call=True,
                ),
                PersonInput(roles=["perpetrator"], name="Contoh Pelaku Satu", estimated_age=45, sex="L"),
            ],
            relations=[RelationInput(victim=0, perpetrator=2, relationship="ORANG_TUA")],
        ),
    )
    case_transition(actor=alice, case_id=case.pk, transition="open")
    return case


def _send_form(page) -> None:
    """Submit the form of a form page (whatever the language)."""
    with page.expect_navigation():
        page.locator("main form[data-once] button[type=submit]").click()


def _step(page, transition: str) -> None:
    """A workflow step from the case page: a one-click form, or a link to the
    step's form when it needs a reason."""
    button = page.locator(f'form[action$="/steps/{transition}/"] button')
    with page.expect_navigation():
        if button.count():
            button.click()
        else:
            page.locator(f'a[href$="/steps/{transition}/"]').click()


def _open(page, route: str) -> None:
    with page.expect_navigation():
        page.locator(f'main a[href$="/{route}/"]').first.click()


def work_the_case_to_closure(phone, case, *, caseworker, supervisor) -> None:
    """From the open case's page, signed in as ``caseworker``: assessment, plan,
    a task and a service, service, monitoring, a closure request (a reason is
    required); then ``supervisor`` signs in, finds it in the closures queue,
    sees who viewed it and approves. Shared with the intake browser test so
    the whole story runs from the first form to the closed case."""
    today = timezone.localdate()
    phone.goto(f"/cases/{case.pk}/")
    screenshot(phone, "case-01-page-open-360")

    _step(phone, "start_assessment")
    _open(phone, "plan")
    phone.fill('[name="assessment"]', "Korban trauma, tinggal bersama ibu. Pelaku masih serumah: risiko tinggi.")
    phone.fill('[name="intervention_plan"]', "1. Visum. 2. Rumah aman. 3. Konseling psikologis. 4. Laporan polisi.")
    screenshot(phone, "case-02-plan-form-360")
    _send_form(phone)
    _step(phone, "plan_intervention")

    # A task for herself, due tomorrow.
    _open(phone, "tasks")
    phone.fill('[name="title"]', "Dampingi korban ke RSUD untuk visum")
    phone.fill('[name="due_on"]', (today + timedelta(days=1)).isoformat())
    screenshot(phone, "case-03-task-form-360")
    _send_form(phone)
    assert CaseTask.objects.filter(case=case, owner=caseworker).count() == 1

    # A service given today.
    _open(phone, "services")
    phone.select_option('[name="service_type"]', "KESEHATAN")
    phone.fill('[name="notes"]', "Visum et repertum di RSUD Kota Depok, didampingi ibu.")
    _send_form(phone)
    assert Service.objects.filter(case=case, service_type__code="KESEHATAN").exists()

    _step(phone, "start_service")
    _step(phone, "start_monitoring")
    _step(phone, "request_closure")
    # The reason is required: an empty submit keeps the person on the form.
    _send_form(phone)
    assert phone.locator("#id_reason_error").count() == 1
    phone.fill('[name="reason"]', "Tujuan rencana tercapai; korban aman bersama ibu dan mendapat konseling.")
    _send_form(phone)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    screenshot(phone, "case-04-closure-requested-360")

    phone.context.clear_cookies()
    sign_in_in_browser(phone, supervisor.user)
    assert case.register_number in phone.content()  # in the closures queue
    screenshot(phone, "home-supervisor-360")
    with phone.expect_navigation():
        phone.get_by_role("link", name=case.register_number).first.click()
    assert caseworker.user.get_full_name() in phone.locator("#viewers").inner_text()
    _step(phone, "approve_closure")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert [c.transition for c in case.status_history.order_by("id")][-2:] == ["request_closure", "approve_closure"]
    screenshot(phone, "case-05-closed-360")


def test_a_caseworker_works_a_case_and_the_supervisor_approves_its_closure(phone, alice, bob, uptd):
    _named(alice, "Ayu", "Lestari")
    _named(bob, "Budi", "Santoso")
    case = _case(alice)
    sign_in_in_browser(phone, alice.user)
    phone.goto(f"/cases/{case.pk}/")
    assert "Hubungi lewat pesan ke ibu" in phone.content()
    work_the_case_to_closure(phone, case, caseworker=alice, supervisor=bob)


def _some_cases(alice, bob, uptd):
    """A list worth looking at: overdue and running clocks, a closure request,
    a restricted case, several statuses."""
    now = timezone.now()
    _case(alice, name="Contoh Korban Dua", hours=80)
    first = _case(alice, name="Contoh Korban Tiga", risk="TINGGI", tpks=False, hours=30)
    running = _case(alice, name="Contoh Korban Empat", risk="TINGGI", tpks=True, hours=3)
    legal_step_add(actor=alice, case_id=running.pk, step="LAPORAN_POLISI", occurred_on=timezone.localdate())
    for status in ("in_service", "monitoring", "closure_requested", "closed", "assessment"):
        other = CaseFactory(agency=uptd, status=status, reported_at=now - timedelta(days=20))
        other.assignments.create(membership=alice)
    CaseFactory(agency=uptd, is_restricted=True, status="assessment").assignments.create(membership=alice)
    CaseTask.objects.create(
        case=first, title="Kunjungan rumah dan cek keamanan korban", owner=alice, due_on=timezone.localdate()
    )
    CaseTask.objects.create(
        case=first,
        title="Koordinasi dengan Unit PPA Polres untuk BAP",
        owner=alice,
        due_on=timezone.localdate() - timedelta(days=2),
    )
    return first


def test_screens_of_the_list_the_case_page_and_the_home_queues(phone, browser, live_server, alice, bob, uptd):
    _named(alice, "Ayu", "Lestari")
    _named(bob, "Budi", "Santoso")
    MembershipFactory(user=UserFactory(username="citra", first_name="Citra"), agency=uptd, role=Role.CASEWORKER)
    first = _some_cases(alice, bob, uptd)

    sign_in_in_browser(phone, alice.user)
    screenshot(phone, "home-caseworker-360")
    phone.goto("/cases/")
    screenshot(phone, "list-360")
    phone.locator(".tool-box summary").first.click()
    screenshot(phone, "list-filters-360")
    phone.goto(f"/cases/{first.pk}/")
    screenshot(phone, "case-page-360")

    desktop = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="id-ID")
    page = desktop.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in_in_browser(page, bob.user)
    screenshot(page, "home-supervisor-1280")
    page.goto("/cases/")
    screenshot(page, "list-1280")
    page.goto(f"/cases/{first.pk}/")
    screenshot(page, "case-page-1280")
    page.goto(f"/cases/{first.pk}/edit/")
    screenshot(page, "case-edit-1280")
    desktop.close()
    assert errors == []
