"""Forms of the case list and the case page. Thin: they check shape and offer
choices; the rules live in ``cases.services`` and ``cases.workflow``.

Reference choices come from the admin-editable tables (one query per list).
Every form keeps what was typed when the service refuses it: the view adds the
service's error to the form and renders it again.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyKind, Kecamatan, Kelurahan, ReferenceItem
from cases.models import (
    CaseStatus,
    ConsentGiver,
    ConsentPurpose,
    DatePrecision,
    DisclosureLevel,
    PartyRole,
)
from cases.selectors import SearchKind

PAGE_SIZE = 25


def reference_choices(list_key: str, *, blank: str | None = "—") -> list[tuple[str, str]]:
    items = [(item.code, item.label) for item in ReferenceItem.objects.of(list_key).filter(is_active=True)]
    return ([("", blank)] if blank is not None else []) + items


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _StyledForm(forms.Form):
    """Marks described and invalid fields for assistive technology."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            field = self.fields.get(name)
            if field is None:
                continue
            field.widget.attrs["aria-invalid"] = "true"
            described = field.widget.attrs.get("aria-describedby", "")
            field.widget.attrs["aria-describedby"] = f"{described} id_{name}_error".strip()


# --- the list ------------------------------------------------------------------------


class CaseFilterForm(_StyledForm):
    """Filters travel in the query string: they are codes, never a person."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    risk = forms.ChoiceField(label=_("Risk"), required=False)
    violence_type = forms.ChoiceField(label=_("Violence type"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    reported_from = forms.DateField(label=_("Reported from"), required=False, widget=_date_input())
    reported_to = forms.DateField(label=_("Reported to"), required=False, widget=_date_input())
    assigned_to_me = forms.BooleanField(label=_("Assigned to me"), required=False)
    overdue = forms.BooleanField(label=_("Deadline passed"), required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *CaseStatus.choices]
        self.fields["risk"].choices = reference_choices("kriteria_risiko", blank=_("Any risk"))
        self.fields["violence_type"].choices = reference_choices("jenis_kekerasan_simfoni", blank=_("Any type"))
        self.fields["kecamatan"].choices = [("", _("All kecamatan"))] + [
            (k.code, k.name) for k in Kecamatan.objects.order_by("name")
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("reported_from"), cleaned.get("reported_to")
        if start and end and end < start:
            self.add_error("reported_to", _("The end of the range is before its start."))
        return cleaned


class CaseSearchForm(_StyledForm):
    """A search by register number, NIK, phone or exact name. Sent as POST so
    the value never reaches a URL, a log line or the browser history."""

    KINDS = [
        ("register_number", _("Register number")),
        (SearchKind.NIK.value, _("NIK")),
        (SearchKind.PHONE.value, _("Phone")),
        (SearchKind.NAME.value, _("Exact name")),
    ]
    kind = forms.ChoiceField(label=_("Search by"), choices=KINDS)
    value = forms.CharField(label=_("Search for"), max_length=200)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean_value(self):
        value = self.cleaned_data["value"].strip()
        if not value:
            raise forms.ValidationError(_("Type what to search for."))
        return value

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind == SearchKind.NIK.value and value:
            digits = value.replace(" ", "")
            if not (digits.isdigit() and len(digits) == 16):
                self.add_error("value", _("A NIK has 16 digits."))
            else:
                cleaned["value"] = digits
        return cleaned


# --- the case's own fields ---------------------------------------------------------------


class CaseEditForm(_StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    risk = forms.ChoiceField(label=_("Risk level"), required=False)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), required=False)
    occurred_on = forms.DateField(label=_("Incident date"), required=False, widget=_date_input())
    occurred_precision = forms.ChoiceField(label=_("Precision of the incident date"), choices=DatePrecision.choices)
    place_category = forms.ChoiceField(label=_("Place of incident"), required=False)
    incident_kelurahan = forms.ChoiceField(label=_("Kelurahan of the incident"), required=False)
    local_case_type = forms.ChoiceField(label=_("Case type"), required=False)
    is_kdrt = forms.BooleanField(label=_("Domestic violence (KDRT)"), required=False)
    is_tpks = forms.BooleanField(
        label=_("Sexual violence crime (TPKS)"),
        required=False,
        help_text=_("A TPKS case must be reported to the police within 3×24 hours."),
    )
    chronology = forms.CharField(label=_("Chronology"), required=False, widget=forms.Textarea(attrs={"rows": 8}))

    FIELDS = (
        "risk",
        "intake_channel",
        "occurred_on",
        "occurred_precision",
        "place_category",
        "incident_kelurahan",
        "local_case_type",
        "is_kdrt",
        "is_tpks",
        "chronology",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = reference_choices("kriteria_risiko")
        self.fields["intake_channel"].choices = reference_choices("kanal_pengaduan")
        self.fields["place_category"].choices = reference_choices("tempat_kejadian_simfoni")
        self.fields["local_case_type"].choices = reference_choices("jenis_kasus_lokal_depok")
        groups: dict[str, list] = {}
        for kelurahan in Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name"):
            groups.setdefault(kelurahan.kecamatan.name, []).append((kelurahan.code, kelurahan.name))
        self.fields["incident_kelurahan"].choices = [("", "—"), *groups.items()]

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The incident date is in the future."))
        return day

    @classmethod
    def initial_for(cls, case) -> dict:
        return {
            "version": case.version,
            "risk": case.risk.code if case.risk else "",
            "intake_channel": case.intake_channel.code if case.intake_channel else "",
            "occurred_on": case.occurred_on,
            "occurred_precision": case.occurred_precision,
            "place_category": case.place_category.code if case.place_category else "",
            "incident_kelurahan": case.incident_kelurahan.code if case.incident_kelurahan else "",
            "local_case_type": case.local_case_type.code if case.local_case_type else "",
            "is_kdrt": case.is_kdrt,
            "is_tpks": case.is_tpks,
            "chronology": case.chronology,
        }

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        for name in ("risk", "intake_channel", "place_category", "incident_kelurahan", "local_case_type"):
            data[name] = data[name] or None
        return data


class RestrictionForm(_StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    is_restricted = forms.BooleanField(
        label=_("Restricted case"),
        required=False,
        help_text=_(
            "The alleged perpetrator is staff, police or an official: only assigned caseworkers and supervisors see it."
        ),
    )


class AssignForm(_StyledForm):
    caseworkers = forms.TypedMultipleChoiceField(
        label=_("Assigned caseworkers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworkers"].choices = [
            (m.pk, f"{m.user.get_full_name() or m.user.get_username()} — {m.get_role_display()}") for m in members
        ]


# --- the workflow ------------------------------------------------------------------


class TransitionForm(_StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = needs_reason
        if needs_reason:
            self.fields["reason"].error_messages["required"] = _("Give a reason for this step.")


class PlanForm(_StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    assessment = forms.CharField(
        label=_("Assessment"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The situation, needs, risks and strengths found in the assessment."),
    )
    intervention_plan = forms.CharField(
        label=_("Intervention plan"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Goals and the services planned. Add the concrete steps as tasks with an owner and a due date."),
    )


class TaskForm(_StyledForm):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(label=_("Due on"), widget=_date_input())

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            (m.pk, f"{m.user.get_full_name() or m.user.get_username()} — {m.get_role_display()}") for m in members
        ]

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return day


# --- records under a case -----------------------------------------------------------


def _victim_choices(parties, *, show_names: bool) -> list[tuple[int, str]]:
    choices = []
    for party in parties:
        if party.role != PartyRole.VICTIM:
            continue
        person = party.person
        label = person.name if show_names and person.name else (person.initials or f"#{person.pk}")
        choices.append((party.pk, label))
    return choices


class ServiceForm(_StyledForm):
    victim = forms.TypedChoiceField(label=_("Victim"), coerce=int)
    service_type = forms.ChoiceField(label=_("Service"))
    given_on = forms.DateField(label=_("Date"), widget=_date_input())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, parties=(), show_names=True, with_notes=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = _victim_choices(parties, show_names=show_names)
        self.fields["service_type"].choices = reference_choices("jenis_layanan_simfoni", blank=None)
        if not with_notes:
            # Below full access the notes would not be shown back to this agency.
            del self.fields["notes"]

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day


class NoteForm(_StyledForm):
    body = forms.CharField(label=_("Note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))


class LegalStepForm(_StyledForm):
    step = forms.ChoiceField(label=_("Step"))
    occurred_on = forms.DateField(label=_("Date"), widget=_date_input())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = reference_choices("proses_hukum", blank=None)

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day


class ConsentForm(_StyledForm):
    victim = forms.TypedChoiceField(label=_("Consent about"), coerce=int)
    given_by = forms.TypedChoiceField(label=_("Given by"), coerce=int)
    given_by_capacity = forms.ChoiceField(label=_("Given as"), choices=ConsentGiver.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    agency_kinds = forms.MultipleChoiceField(
        label=_("Kinds of agency covered"), choices=AgencyKind.choices, widget=forms.CheckboxSelectMultiple
    )
    disclosure_level = forms.ChoiceField(
        label=_("Disclosure level"),
        choices=DisclosureLevel.choices,
        help_text=_("Limited: initials, age, sex, violence types. Contact: plus safe ways to reach. Full: everything."),
    )
    given_on = forms.DateField(label=_("Given on"), widget=_date_input())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = _victim_choices(parties, show_names=True)
        persons = {}
        for party in parties:
            if party.role != PartyRole.PERPETRATOR:
                persons.setdefault(party.person_id, party.person.name or party.person.initials)
        self.fields["given_by"].choices = list(persons.items())
        self.fields["agency_kinds"].error_messages["required"] = _("Name the kinds of agency the consent covers.")

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day


class ConsentWithdrawForm(_StyledForm):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=_date_input())
