import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from cases.grants import Access
from cases.models import Case, Party, PartyRole, Person, is_child_at_incident
from cases.selectors import case_list

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_seeds_about_300_cases_once_with_children_weighted():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    cases = Case.objects.select_related("agency")
    assert 280 <= cases.count() <= 320
    assert cases.filter(agency__code="uptd-ppa").count() > cases.count() * 0.7
    assert cases.filter(agency__code="polres-ppa").exists() and cases.filter(agency__code="puspaga-harmoni").exists()
    victims = Party.objects.filter(role=PartyRole.VICTIM).select_related("person", "case")
    child_cases = {p.case_id for p in victims if is_child_at_incident(person=p.person, case=p.case)}
    assert 0.45 < len(child_cases) / cases.count() < 0.65
    person = Person.objects.order_by("id").first()
    assert person.name.startswith("Contoh ")
    # Register numbers are per year and unique.
    assert len(set(cases.values_list("register_number", flat=True))) == cases.count()
    from agencies.models import Membership

    caseworker = Membership.objects.get(user__username="caseworker.uptd")
    page = case_list(membership=caseworker)
    assert page.total > 150 and all(level == Access.OWNER for level in page.access.values())
    polres = Membership.objects.get(user__username="caseworker.polres")
    polres_page = case_list(membership=polres, limit=100)
    assert any(level == Access.FULL for level in polres_page.access.values())
