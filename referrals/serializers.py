"""Referral API shapes. Content (reason, summary, outcome, notes, case facts)
is included only where ``content`` is true in the serializer context."""

from rest_framework import serializers

from cases.models import DisclosureLevel
from referrals.models import ReferralKind, Urgency

STEPS = ["submit", "approve", "return", "withdraw", "accept", "decline", "start", "complete", "assign"]


class ReferralInSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    to_agency_id = serializers.IntegerField()
    # A plain string (the service validates it): a choice field named "kind"
    # would collide with the case search's enum in the OpenAPI schema.
    kind = serializers.CharField(max_length=10, default=ReferralKind.REFERRAL, help_text="referral or transfer")
    urgency = serializers.ChoiceField(choices=Urgency.values, default=Urgency.ROUTINE)
    requested_services = serializers.ListField(child=serializers.CharField(max_length=60), default=list)
    reason = serializers.CharField(max_length=5000)
    summary = serializers.CharField(max_length=5000)
    grant_level = serializers.ChoiceField(choices=DisclosureLevel.values, default=DisclosureLevel.LIMITED)
    emergency_override = serializers.BooleanField(default=False)
    override_reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReferralPatchSerializer(ReferralInSerializer):
    case_id = None


class StepInSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=STEPS)
    comments = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    assignee_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReferralSerializer(serializers.Serializer):
    """Metadata always; content only when the context says it may be read."""

    def to_representation(self, referral):
        now = self.context["now"]
        content = self.context.get("content", False)
        data = {
            "id": referral.pk,
            "case_id": referral.case_id,
            "register_number": referral.case.register_number,
            "from_agency": {"id": referral.from_agency_id, "name": referral.from_agency.name},
            "to_agency": {"id": referral.to_agency_id, "name": referral.to_agency.name},
            "kind": referral.kind,
            "urgency": referral.urgency,
            "status": referral.status,
            "grant_level": referral.grant_level,
            "assigned_to_id": referral.assigned_to_id,
            "sent_at": referral.sent_at,
            "due_at": referral.due_at,
            "overdue": referral.is_overdue_at(now),
            "answered_at": referral.answered_at,
            "closed_at": referral.closed_at,
            "access_ended_at": referral.access_ended_at,
            "created_at": referral.created_at,
            "version": referral.version,
            "content_available": content,
        }
        if content:
            data["summary"] = referral.summary
            data["requested_services"] = [item.code for item in referral.requested_services.all()]
            data["consent_id"] = referral.consent_id
            data["emergency_override"] = referral.emergency_override
            data["outcome"] = referral.outcome
            if self.context.get("side") == "sender":
                data["reason"] = referral.reason
                data["override_reason"] = referral.override_reason
            if self.context.get("facts") is not None:
                facts = dict(self.context["facts"])
                facts.pop("person_ids", None)
                data["case_facts"] = facts
        if "events" in self.context:
            data["history"] = [
                {
                    "action": event.action,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "actor_membership_id": event.actor_id,
                    "at": event.at,
                    **({"note": event.note} if content and event.note else {}),
                }
                for event in self.context["events"]
            ]
        return data
