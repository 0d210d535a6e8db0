"""API shapes of cases. Output serializers drop what the reader's access level
does not cover (``context["access"]``); input serializers only validate shape
and hand plain values to the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import AgencyKind
from cases.grants import Access
from cases.models import (
    CaseStatus,
    ConsentGiver,
    ConsentPurpose,
    DatePrecision,
    DisclosureLevel,
    PartyRole,
    is_child_at_incident,
)
from cases.selectors import usable_contact_details
from cases.services import TRANSITIONS, simfoni_types_for_local


def _code(item) -> str | None:
    return item.code if item is not None else None


def _access(context) -> Access:
    return context["access"]


# --- output ------------------------------------------------------------------


class AgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CaseListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    register_number = serializers.CharField()
    agency = AgencyRefSerializer()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    risk = serializers.CharField(allow_null=True)
    reported_at = serializers.DateTimeField()
    kecamatan = serializers.CharField(allow_null=True)
    violence_types = serializers.ListField(child=serializers.CharField())
    access = serializers.ChoiceField(choices=[(a.name.lower(), a.name.lower()) for a in Access])

    def to_representation(self, case):
        access = self.context["access_by_case"].get(case.pk, Access.LIMITED)
        kelurahan = case.incident_kelurahan
        return {
            "id": case.pk,
            "register_number": case.register_number,
            "agency": {"id": case.agency_id, "code": case.agency.code, "name": case.agency.name},
            "status": case.status,
            "risk": _code(case.risk),
            "reported_at": serializers.DateTimeField().to_representation(case.reported_at),
            "kecamatan": kelurahan.kecamatan.code if kelurahan is not None and access >= Access.FULL else None,
            "violence_types": case.violence_type_codes,
            "access": access.name.lower(),
        }


class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = CaseListItemSerializer(many=True)


class RelationOutSerializer(serializers.Serializer):
    perpetrator_party_id = serializers.IntegerField()
    relationship = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """A person as the reader's level allows: limited (initials, age, sex,
    roles, violence types), contact (plus name and the safe ways to reach
    them), full (everything)."""

    id = serializers.IntegerField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=PartyRole.choices))
    party_ids = serializers.DictField(child=serializers.IntegerField())
    initials = serializers.CharField()
    age_at_incident = serializers.IntegerField(allow_null=True)
    is_child = serializers.BooleanField(allow_null=True)
    sex = serializers.CharField(allow_null=True)
    violence_types = serializers.ListField(child=serializers.CharField())
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    safe_to_call = serializers.BooleanField(required=False, allow_null=True)
    safe_to_message = serializers.BooleanField(required=False, allow_null=True)
    safe_to_visit = serializers.BooleanField(required=False, allow_null=True)
    contact_safety_notes = serializers.CharField(required=False)
    nik = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    estimated_age = serializers.IntegerField(required=False, allow_null=True)
    education = serializers.CharField(required=False, allow_null=True)
    occupation = serializers.CharField(required=False, allow_null=True)
    marital_status = serializers.CharField(required=False, allow_null=True)
    religion = serializers.CharField(required=False, allow_null=True)
    has_disability = serializers.BooleanField(required=False)
    disability_kind = serializers.CharField(required=False, allow_null=True)
    domicile_kelurahan = serializers.CharField(required=False, allow_null=True)
    same_person_as_id = serializers.IntegerField(required=False, allow_null=True)
    relations = RelationOutSerializer(many=True, required=False)

    def to_representation(self, parties):
        """``parties``: the Party rows of one person (the caller groups them)."""
        access = _access(self.context)
        case = self.context["case"]
        person = parties[0].person
        victim = next((p for p in parties if p.role == PartyRole.VICTIM), None)
        data = {
            "id": person.pk,
            "roles": [p.role for p in parties],
            "party_ids": {p.role: p.pk for p in parties},
            "initials": person.initials,
            "age_at_incident": person.age_on(case.incident_date),
            "is_child": is_child_at_incident(person=person, case=case),
            "sex": _code(person.sex),
            "violence_types": sorted(item.code for item in victim.violence_types.all()) if victim else [],
        }
        if access >= Access.CONTACT:
            data.update(
                name=person.name,
                safe_to_call=person.safe_to_call,
                safe_to_message=person.safe_to_message,
                safe_to_visit=person.safe_to_visit,
                contact_safety_notes=person.contact_safety_notes,
            )
            # Below full, only the ways it is safe to use.
            data.update(
                {key: value for key, value in usable_contact_details(person=person, access=access).items() if value}
            )
        if access >= Access.FULL:
            data.update(
                nik=person.nik,
                birth_date=person.birth_date.isoformat() if person.birth_date else None,
                estimated_age=person.estimated_age,
                education=_code(person.education),
                occupation=_code(person.occupation),
                marital_status=_code(person.marital_status),
                religion=_code(person.religion),
                has_disability=person.has_disability,
                disability_kind=_code(person.disability_kind),
                domicile_kelurahan=person.domicile_kelurahan.code if person.domicile_kelurahan else None,
                same_person_as_id=person.same_person_as_id,
                relations=[
                    {"perpetrator_party_id": rel.perpetrator_id, "relationship": rel.relationship.code}
                    for rel in (victim.perpetrator_relations.all() if victim else [])
                ],
            )
        return data


def group_parties(parties) -> list[list]:
    """Party rows → one list per person, in order of first appearance."""
    by_person: dict[int, list] = {}
    for party in parties:
        by_person.setdefault(party.person_id, []).append(party)
    return list(by_person.values())


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    victim_party_id = serializers.IntegerField()
    given_on = serializers.DateField()
    service_type = serializers.CharField()
    provider = AgencyRefSerializer()
    notes = serializers.CharField(required=False)

    def to_representation(self, service):
        data = {
            "id": service.pk,
            "victim_party_id": service.victim_id,
            "given_on": service.given_on.isoformat(),
            "service_type": service.service_type.code,
            "provider": {"id": service.provider_id, "code": service.provider.code, "name": service.provider.name},
        }
        if _access(self.context) >= Access.FULL:
            data["notes"] = service.notes
        return data


class StatusChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    transition = serializers.CharField()
    changed_at = serializers.DateTimeField()
    actor_membership_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(required=False)

    def to_representation(self, change):
        data = {
            "id": change.pk,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "transition": change.transition,
            "changed_at": serializers.DateTimeField().to_representation(change.changed_at),
            "actor_membership_id": change.actor_id,
        }
        if _access(self.context) >= Access.FULL:
            data["reason"] = change.reason
        return data


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField()
    author_membership_id = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, note):
        return {
            "id": note.pk,
            "body": note.body,
            "author_membership_id": note.author_id,
            "created_at": serializers.DateTimeField().to_representation(note.created_at),
        }


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    victim_party_id = serializers.IntegerField()
    given_by_person_id = serializers.IntegerField()
    given_by_capacity = serializers.ChoiceField(choices=ConsentGiver.choices)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    agency_kinds = serializers.ListField(child=serializers.ChoiceField(choices=AgencyKind.choices))
    disclosure_level = serializers.ChoiceField(choices=DisclosureLevel.choices)
    given_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)
    notes = serializers.CharField()

    def to_representation(self, consent):
        return {
            "id": consent.pk,
            "victim_party_id": consent.victim_id,
            "given_by_person_id": consent.given_by_id,
            "given_by_capacity": consent.given_by_capacity,
            "purpose": consent.purpose,
            "agency_kinds": consent.agency_kinds,
            "disclosure_level": consent.disclosure_level,
            "given_on": consent.given_on.isoformat(),
            "withdrawn_on": consent.withdrawn_on.isoformat() if consent.withdrawn_on else None,
            "notes": consent.notes,
        }


class LegalStepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    occurred_on = serializers.DateField()
    notes = serializers.CharField()

    def to_representation(self, legal_step):
        return {
            "id": legal_step.pk,
            "step": legal_step.step.code,
            "occurred_on": legal_step.occurred_on.isoformat(),
            "notes": legal_step.notes,
        }


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, attachment):
        return {
            "id": attachment.pk,
            "original_name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "created_at": serializers.DateTimeField().to_representation(attachment.created_at),
        }


class CaseDetailSerializer(serializers.Serializer):
    """A case as the reader's level allows. Limited and contact show the
    register number, status, risk, persons at that level and the services
    requested; full adds the incident, the chronology and the workflow."""

    id = serializers.IntegerField()
    register_number = serializers.CharField()
    agency = AgencyRefSerializer()
    access = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    risk = serializers.CharField(allow_null=True)
    reported_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    persons = PersonSerializer(many=True)
    requested_services = serializers.ListField(child=serializers.CharField())
    is_restricted = serializers.BooleanField(required=False)
    intake_channel = serializers.CharField(required=False, allow_null=True)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    occurred_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    place_category = serializers.CharField(required=False, allow_null=True)
    incident_kelurahan = serializers.CharField(required=False, allow_null=True)
    kecamatan = serializers.CharField(required=False, allow_null=True)
    is_kdrt = serializers.BooleanField(required=False)
    is_tpks = serializers.BooleanField(required=False)
    chronology = serializers.CharField(required=False)
    local_case_type = serializers.CharField(required=False, allow_null=True)
    simfoni_violence_types = serializers.ListField(child=serializers.CharField(), required=False)
    assigned_caseworker_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    allowed_transitions = serializers.ListField(child=serializers.CharField(), required=False)

    def to_representation(self, detail):
        case, access = detail["case"], _access(self.context)
        person_context = {"access": access, "case": case}
        data = {
            "id": case.pk,
            "register_number": case.register_number,
            "agency": {"id": case.agency_id, "code": case.agency.code, "name": case.agency.name},
            "access": access.name.lower(),
            "status": case.status,
            "risk": _code(case.risk),
            "reported_at": serializers.DateTimeField().to_representation(case.reported_at),
            "version": case.version,
            "persons": [
                PersonSerializer(context=person_context).to_representation(group)
                for group in group_parties(detail["parties"])
            ],
            "requested_services": sorted({service.service_type.code for service in detail["services"]}),
        }
        if access >= Access.FULL:
            kelurahan = case.incident_kelurahan
            data.update(
                is_restricted=case.is_restricted,
                intake_channel=_code(case.intake_channel),
                occurred_on=case.occurred_on.isoformat() if case.occurred_on else None,
                occurred_precision=case.occurred_precision,
                place_category=_code(case.place_category),
                incident_kelurahan=kelurahan.code if kelurahan else None,
                kecamatan=kelurahan.kecamatan.code if kelurahan else None,
                is_kdrt=case.is_kdrt,
                is_tpks=case.is_tpks,
                chronology=case.chronology,
                local_case_type=_code(case.local_case_type),
                simfoni_violence_types=simfoni_types_for_local(case.local_case_type),
            )
        if access >= Access.OWNER:
            data["assigned_caseworker_ids"] = detail["assignee_ids"]
            data["allowed_transitions"] = sorted(
                name for name, step in TRANSITIONS.items() if case.status in step.sources
            )
        return data


# --- input ----------------------------------------------------------------------


def _code_field(**kwargs):
    return serializers.CharField(max_length=60, allow_null=True, required=False, **kwargs)


class PersonInSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=PartyRole.choices), min_length=1)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    nik = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    estimated_age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True, default=None)
    sex = _code_field(default=None)
    education = _code_field(default=None)
    occupation = _code_field(default=None)
    marital_status = _code_field(default=None)
    religion = _code_field(default=None)
    has_disability = serializers.BooleanField(required=False, default=False)
    disability_kind = _code_field(default=None)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    domicile_kelurahan = _code_field(default=None)
    safe_to_call = serializers.BooleanField(required=False, allow_null=True, default=None)
    safe_to_message = serializers.BooleanField(required=False, allow_null=True, default=None)
    safe_to_visit = serializers.BooleanField(required=False, allow_null=True, default=None)
    contact_safety_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    same_person_as_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    violence_types = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)


class PersonPatchSerializer(PersonInSerializer):
    """Only the fields sent are changed (partial)."""


class RelationInSerializer(serializers.Serializer):
    victim = serializers.IntegerField(min_value=0, help_text=_("Index of the victim in persons."))
    perpetrator = serializers.IntegerField(min_value=0, help_text=_("Index of the perpetrator in persons."))
    relationship = serializers.CharField(max_length=60)


class CaseInSerializer(serializers.Serializer):
    reported_at = serializers.DateTimeField()
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    occurred_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False, default=DatePrecision.DAY
    )
    risk = _code_field(default=None)
    intake_channel = _code_field(default=None)
    place_category = _code_field(default=None)
    incident_kelurahan = _code_field(default=None)
    is_kdrt = serializers.BooleanField(required=False, default=False)
    is_tpks = serializers.BooleanField(required=False, default=False)
    chronology = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    local_case_type = _code_field(default=None)
    is_restricted = serializers.BooleanField(required=False, default=False)
    persons = PersonInSerializer(many=True, allow_empty=False)
    relations = RelationInSerializer(many=True, required=False, default=list)


class CasePatchSerializer(serializers.Serializer):
    reported_at = serializers.DateTimeField(required=False)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    occurred_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    risk = _code_field()
    intake_channel = _code_field()
    place_category = _code_field()
    incident_kelurahan = _code_field()
    is_kdrt = serializers.BooleanField(required=False)
    is_tpks = serializers.BooleanField(required=False)
    chronology = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    local_case_type = _code_field()
    is_restricted = serializers.BooleanField(required=False)


class TransitionInSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[(name, name) for name in TRANSITIONS])
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AssignmentsInSerializer(serializers.Serializer):
    membership_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class SearchInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("nik", "nik"), ("phone", "phone"), ("name", "name")])
    value = serializers.CharField(max_length=200)
    page = serializers.IntegerField(min_value=1, required=False, default=1)


class RelationAddSerializer(serializers.Serializer):
    victim_party_id = serializers.IntegerField()
    perpetrator_party_id = serializers.IntegerField()
    relationship = serializers.CharField(max_length=60)


class ServiceInSerializer(serializers.Serializer):
    victim_party_id = serializers.IntegerField()
    given_on = serializers.DateField()
    service_type = serializers.CharField(max_length=60)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class NoteInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)


class ConsentInSerializer(serializers.Serializer):
    victim_party_id = serializers.IntegerField()
    given_by_person_id = serializers.IntegerField()
    given_by_capacity = serializers.ChoiceField(choices=ConsentGiver.choices)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    agency_kinds = serializers.ListField(child=serializers.ChoiceField(choices=AgencyKind.choices), min_length=1)
    disclosure_level = serializers.ChoiceField(choices=DisclosureLevel.choices)
    given_on = serializers.DateField()
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ConsentWithdrawSerializer(serializers.Serializer):
    withdrawn_on = serializers.DateField()


class LegalStepInSerializer(serializers.Serializer):
    step = serializers.CharField(max_length=60)
    occurred_on = serializers.DateField()
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
