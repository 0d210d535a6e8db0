"""Forms of the referral pages: they validate input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership, ReferenceItem, Role
from cases.models import DisclosureLevel
from referrals.models import ReferralKind, Urgency
from referrals.services import ReferralInput


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("Refer to"), queryset=Agency.objects.none(), empty_label=_("Choose an agency")
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ReferralKind.choices,
        initial=ReferralKind.REFERRAL,
        widget=forms.RadioSelect,
        help_text=_("A transfer hands the whole case over to the other agency when it accepts."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
        help_text=_("Answer due: emergency 2 hours, urgent 24 hours, routine 3 working days."),
    )
    requested_services = forms.MultipleChoiceField(
        label=_("Requested services"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    grant_level = forms.ChoiceField(
        label=_("Access for the receiving agency"),
        choices=DisclosureLevel.choices,
        initial=DisclosureLevel.LIMITED,
        widget=forms.RadioSelect,
        help_text=_(
            "Limited: initials, age, sex, violence types, risk and this summary. Contact adds safe ways to reach "
            "the person. Only as far as the victim's consent allows."
        ),
    )
    reason = forms.CharField(label=_("Reason for the referral"), widget=forms.Textarea(attrs={"rows": 3}))
    summary = forms.CharField(
        label=_("Summary for the receiving agency"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only what the receiving agency needs to act. It is shown to them."),
    )
    emergency_override = forms.BooleanField(
        label=_("Emergency: refer without consent"),
        required=False,
        help_text=_(
            "Only when the victim is in danger and consent cannot be obtained in time. Your supervisor approves it."
        ),
    )
    override_reason = forms.CharField(
        label=_("Why the referral cannot wait for consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(receives_referrals=True, is_active=True).order_by("name")
        if case is not None:
            agencies = agencies.exclude(pk=case.agency_id)
        self.fields["to_agency"].queryset = agencies
        self.fields["requested_services"].choices = [
            (item.code, item.label) for item in ReferenceItem.objects.of("jenis_layanan_simfoni").order_by("position")
        ]

    def to_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            to_agency_id=data["to_agency"].pk,
            kind=data["kind"],
            urgency=data["urgency"],
            requested_services=list(data["requested_services"]),
            reason=data["reason"],
            summary=data["summary"],
            grant_level=data["grant_level"],
            emergency_override=data["emergency_override"],
            override_reason=data["override_reason"],
        )

    @classmethod
    def initial_for(cls, referral) -> dict:
        return {
            "to_agency": referral.to_agency_id,
            "kind": referral.kind,
            "urgency": referral.urgency,
            "requested_services": [item.code for item in referral.requested_services.all()],
            "grant_level": referral.grant_level,
            "reason": referral.reason,
            "summary": referral.summary,
            "emergency_override": referral.emergency_override,
            "override_reason": referral.override_reason,
        }


class CommentsForm(forms.Form):
    comments = forms.CharField(label=_("What should change"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 4}))


class AssigneeForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=Membership.objects.none(), empty_label=_("Choose a caseworker")
    )

    def __init__(self, *args, membership=None, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.required = required
        field.queryset = (
            Membership.objects.filter(
                agency_id=membership.agency_id,
                role__in=(Role.CASEWORKER, Role.SUPERVISOR),
                is_active=True,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "id")
        )
        field.label_from_instance = lambda member: (
            f"{member.user.get_full_name() or member.user.get_username()} · {member.get_role_display()}"
        )
