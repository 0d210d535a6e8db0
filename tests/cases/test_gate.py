import pytest

from cases import grants
from cases.selectors import CaseAction, case_access, case_list, visible_cases
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_union_gate_smoke(case, alice, bob, charlie, erin, limited_grant, dave):
    restricted = CaseFactory(agency=case.agency, is_restricted=True)
    assert set(visible_cases(membership=alice, action=CaseAction.VIEW).values_list("id", flat=True)) == {case.pk}
    assert set(visible_cases(membership=bob).values_list("id", flat=True)) == {case.pk, restricted.pk}
    assert case_access(membership=erin, case_id=case.pk) == grants.Access.LIMITED
    assert case_access(membership=charlie, case_id=case.pk) is None
    assert case_access(membership=bob, case_id=restricted.pk) == grants.Access.OWNER
    assert case_access(membership=dave, case_id=restricted.pk) is None
    page = case_list(membership=bob)
    assert page.total == 2 and [c.pk for c in page.cases] == [restricted.pk, case.pk]


def test_the_kept_count_matches_the_rows(uptd, bob, alice):
    from django.db import connection

    from cases.models import AgencyCaseCount, Case
    from cases.selectors import CaseFilters

    cases = [CaseFactory(agency=uptd, is_restricted=i % 4 == 0) for i in range(9)]
    Case.objects.filter(pk=cases[1].pk).update(is_restricted=True)
    cases[2].delete()
    unfiltered = case_list(membership=bob).total
    filtered = case_list(membership=bob, filters=CaseFilters(status="open")).total
    assert unfiltered == filtered == Case.objects.filter(agency=uptd).count() == 8
    assert case_list(membership=alice).total == Case.objects.filter(agency=uptd, is_restricted=False).count()
    if connection.vendor == "postgresql":
        kept = dict(AgencyCaseCount.objects.filter(agency=uptd).values_list("is_restricted", "total"))
        assert kept == {True: 4, False: 4}
