"""Factories for the people and agencies every test needs."""

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, AgencyKind, Membership, Role

PASSWORD = "a-long-test-password-2026"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.SERVICE_UNIT
    receives_referrals = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership; the person joins the agency's group as the services do."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.CASEWORKER

    @factory.post_generation
    def _group(obj, create, extracted, **kwargs):
        if create and obj.is_active:
            obj.user.groups.add(obj.agency.group_id)


# --- cases -----------------------------------------------------------------------


def _now():
    from django.utils import timezone

    return timezone.now()


class CaseFactory(factory.django.DjangoModelFactory):
    """A case of ``agency`` with one victim (``victim__…`` overrides her
    fields). Grants are given through ``cases.grants`` in the tests."""

    class Meta:
        model = "cases.Case"
        skip_postgeneration_save = True

    register_number = factory.Sequence(lambda n: f"DPK-2026-{90000 + n:05d}")
    agency = factory.SubFactory(AgencyFactory)
    reported_at = factory.LazyFunction(lambda: _now())
    status = "open"
    chronology = "Kronologi contoh untuk pengujian."

    @factory.post_generation
    def victim(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        fields = {
            "name": "Contoh Korban",
            "nik": "3276010101900001",
            "phone": "081234567890",
            "estimated_age": 30,
            **kwargs,
        }
        person = PersonFactory(case=obj, **fields)
        PartyFactory(case=obj, person=person, role="victim")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Person"

    case = factory.SubFactory(CaseFactory, victim=False)
    name = factory.Sequence(lambda n: f"Contoh Orang {n:03d}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Party"

    case = factory.SelfAttribute("person.case")
    person = factory.SubFactory(PersonFactory)
    role = "victim"
