"""The cases API: levels, search, versions, idempotency, query budgets,
and where grants live."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from audit.models import AuditEvent
from cases import grants
from cases.models import Case, CaseGroupObjectPermission
from cases.selectors import CaseAction, case_access, case_list, visible_cases
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

NIK = "3276010101900001"


def _detail(client, case):
    return client.get(reverse("api:case-detail", kwargs={"case_id": case.pk}))


def _search(client, kind, value):
    return client.post(reverse("api:case-search"), {"kind": kind, "value": value}, content_type="application/json")


def test_restricted_case_is_invisible_to_unassigned_caseworkers(uptd, alice, bob, dave, client_for):
    restricted = CaseFactory(agency=uptd, is_restricted=True)
    restricted.assignments.create(membership=alice)
    assert _detail(client_for(dave), restricted).status_code == 404
    assert AuditEvent.objects.filter(
        action="case.access_denied", target_id=str(restricted.pk), actor_id=dave.user_id
    ).exists()
    assert _detail(client_for(alice), restricted).status_code == 200
    assert _detail(client_for(bob), restricted).status_code == 200
    assert client_for(dave).get(reverse("api:case-list")).json()["count"] == 0
    assert _search(client_for(dave), "nik", NIK).json()["count"] == 0


def test_a_limited_grant_sees_only_limited_fields_and_no_nik_search(limited_grant, erin, client_for):
    client = client_for(erin)
    data = _detail(client, limited_grant).json()
    assert data["access"] == "limited"
    person = data["persons"][0]
    assert set(person) == {
        "id",
        "roles",
        "party_ids",
        "initials",
        "age_at_incident",
        "is_child",
        "sex",
        "violence_types",
    }
    assert person["initials"] == "CK"
    for hidden in ("chronology", "is_restricted", "occurred_on", "incident_kelurahan"):
        assert hidden not in data
    assert "Contoh" not in str(data) and NIK not in str(data)
    assert _search(client, "nik", NIK).json()["count"] == 0
    assert _search(client, "phone", "081234567890").json()["count"] == 0
    assert client.get(reverse("api:case-list")).json()["count"] == 1
    event = AuditEvent.objects.filter(action="case.viewed", target_id=str(limited_grant.pk)).last()
    assert event.details["person_ids"] == [person["id"]] and event.details["level"] == "limited"


def test_a_contact_grant_sees_safe_ways_and_matches_phone_not_nik(case, puskesmas, erin, client_for):
    grants.grant_case_access(case=case, agency=puskesmas, level=grants.Access.CONTACT)
    person = case.persons.get()
    person.safe_to_call, person.safe_to_visit, person.address = True, False, "Jalan Contoh 1"
    person.save()
    client = client_for(erin)
    shown = _detail(client, case).json()["persons"][0]
    assert shown["phone"] == "081234567890" and "address" not in shown and "nik" not in shown
    assert _search(client, "phone", "+62 812 3456 7890").json()["count"] == 1
    assert _search(client, "nik", NIK).json()["count"] == 0


def test_the_owner_finds_by_nik_phone_name_and_register_number(case, alice, client_for):
    client = client_for(alice)
    assert _search(client, "nik", NIK).json()["results"][0]["id"] == case.pk
    assert _search(client, "name", "contoh  korban").json()["count"] == 1
    assert _search(client, "name", "Contoh").json()["count"] == 0
    listed = client.get(reverse("api:case-list"), {"register_number": case.register_number.lower()}).json()
    assert [row["id"] for row in listed["results"]] == [case.pk]
    search_event = AuditEvent.objects.filter(action="case.searched").last()
    assert NIK not in str(search_event.details)


def test_revoking_a_grant_takes_effect_on_the_next_request(limited_grant, puskesmas, erin, client_for):
    client = client_for(erin)
    assert _detail(client, limited_grant).status_code == 200
    grants.revoke_case_access(case=limited_grant, agency=puskesmas)
    assert _detail(client, limited_grant).status_code == 404


def test_grants_of_a_deactivated_agency_are_ignored(limited_grant, puskesmas, erin):
    assert case_access(membership=erin, case_id=limited_grant.pk) == grants.Access.LIMITED
    puskesmas.is_active = False
    puskesmas.save()
    erin.agency.refresh_from_db()
    assert case_access(membership=erin, case_id=limited_grant.pk) is None
    assert not visible_cases(membership=erin).exists()


def test_superuser_flag_and_user_groups_open_nothing(case, charlie, police):
    charlie.user.is_superuser = True
    charlie.user.save()
    # Even a stray group membership of the owning agency changes nothing:
    # the acting membership decides.
    charlie.user.groups.add(case.agency.group)
    assert case_access(membership=charlie, case_id=case.pk) is None


def test_the_list_the_object_check_and_the_gate_agree(uptd, alice, bob, dave, erin, puskesmas, charlie):
    cases = [CaseFactory(agency=uptd, is_restricted=i % 3 == 0) for i in range(7)]
    cases[0].assignments.create(membership=alice)
    grants.grant_case_access(case=cases[1], agency=puskesmas, level=grants.Access.LIMITED)
    grants.grant_case_access(case=cases[2], agency=puskesmas, level=grants.Access.FULL)
    CaseFactory(agency=puskesmas)
    for member in (alice, bob, dave, erin, charlie):
        gate = set(visible_cases(membership=member).values_list("id", flat=True))
        listed = case_list(membership=member, limit=100)
        assert {c.pk for c in listed.cases} == gate and listed.total == len(gate)
        for case in Case.objects.all():
            assert (case_access(membership=member, case_id=case.pk) is not None) == (case.pk in gate)
    full = set(visible_cases(membership=erin, action=CaseAction.SEARCH_NIK).values_list("id", flat=True))
    assert cases[2].pk in full and cases[1].pk not in full


def test_update_needs_if_match_and_refuses_a_stale_version(case, alice, client_for):
    client = client_for(alice)
    url = reverse("api:case-detail", kwargs={"case_id": case.pk})
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"risk": "TINGGI"}, content_type="application/json").status_code == 428
    ok = client.patch(url, {"risk": "TINGGI"}, content_type="application/json", headers={"If-Match": etag})
    assert ok.status_code == 200 and ok["ETag"] != etag and ok.json()["risk"] == "TINGGI"
    stale = client.patch(url, {"risk": "TIDAK_TINGGI"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412
    assert Case.objects.get(pk=case.pk).risk.code == "TINGGI"


def test_idempotency_key_makes_one_case(alice, client_for):
    client = client_for(alice)
    body = {
        "reported_at": timezone.now().isoformat(),
        "persons": [
            {
                "roles": ["victim"],
                "name": "Contoh Korban 321",
                "nik": NIK,
                "estimated_age": 12,
                "violence_types": ["FISIK"],
            }
        ],
    }
    url = reverse("api:case-list")
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "abc-1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    other = dict(body, reported_at=timezone.now().isoformat())
    assert (
        client.post(url, other, content_type="application/json", headers={"Idempotency-Key": "abc-1"}).status_code
        == 422
    )
    assert first.json()["persons"][0]["is_child"] is True


def _make_cases(uptd, puskesmas, n):
    for i in range(n):
        case = CaseFactory(agency=uptd)
        if i % 2:
            grants.grant_case_access(case=case, agency=puskesmas, level=grants.Access.FULL)


@pytest.mark.parametrize("member", ["bob", "erin"])
def test_list_and_detail_query_counts_do_not_grow(
    member, request, uptd, puskesmas, client_for, django_assert_num_queries
):
    membership = request.getfixturevalue(member)
    client = client_for(membership)
    counts = {}
    for n in (3, 30):
        _make_cases(uptd, puskesmas, n - Case.objects.count())
        target = Case.objects.filter(grants__isnull=False).order_by("-id").first()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as listed:
            assert client.get(reverse("api:case-list")).status_code == 200
        with CaptureQueriesContext(connection) as detailed:
            assert _detail(client, target).status_code == 200
        counts[n] = (len(listed), len(detailed))
    assert counts[3] == counts[30], counts
    with django_assert_num_queries(counts[30][1]):
        _detail(client, target)


def test_who_holds_which_permission_on_a_case(case, puskesmas, police, charlie, alice):
    grants.grant_case_access(case=case, agency=puskesmas, level=grants.Access.CONTACT)
    grants.grant_case_access(case=case, agency=police, level=grants.Access.LIMITED)
    grants.grant_case_access(case=case, agency=police, level=grants.Access.FULL)  # replaces limited
    held = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list("group__name", "permission__codename")
    )
    assert held == {("agency:puskesmas-test", "view_case_contact"), ("agency:police-test", "view_case_full")}
    # The owner holds no rows; no user holds a case permission, directly or globally.
    assert not CaseGroupObjectPermission.objects.filter(group=case.agency.group).exists()
    case_perms = Permission.objects.filter(content_type__app_label="cases")
    assert not UserObjectPermission.objects.exists() and not GroupObjectPermission.objects.exists()
    assert not case_perms.filter(user__isnull=False).exists()
    assert not case_perms.filter(group__isnull=False).exists()
    assert set(
        Group.objects.filter(casegroupobjectpermission__content_object=case).values_list("agency__code", flat=True)
    ) == {"puskesmas-test", "police-test"}
    with pytest.raises(Exception):  # noqa: B017
        grants.grant_case_access(case=case, agency=case.agency, level=grants.Access.FULL)


def test_the_schema_generates_without_warnings(capsys):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "/api/v1/cases/{case_id}/" in paths and "/api/v1/cases/search/" in paths
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "Error" not in captured.err, captured.err
