"""The intake forms: one incident, a card per person, a relationship for
every (alleged perpetrator, victim) pair, and a consent block per victim.

``IntakeForms`` builds them all from a draft document (``cases.intake``):
unbound (showing the draft as typed) to display it, bound to validate it on
submit. ``draft_fields_from_post`` turns a POST into the document's
``fields``, keeping every value as typed, so nothing is lost when a submit is
refused or the page is left.
"""

from collections import defaultdict
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import AgencyKind, Kelurahan, ReferenceItem
from cases import intake
from cases.fields import normalize_nik
from cases.models import ConsentGiver, ConsentPurpose, DatePrecision, DisclosureLevel, PartyRole
from cases.services import CASE_REFERENCE_FIELDS, PERSON_REFERENCE_FIELDS, CaseInput, PersonInput, RelationInput

# Longest value kept of any one field: a chronology is long, nothing else is.
MAX_TEXT = 20_000
DATE_WIDGET = {"type": "date"}
SAFETY_CHOICES = [("", gettext_lazy("Not asked yet")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
# Forums and ministries receive no referrals: a consent never covers them.
CONSENT_AGENCY_KINDS = [
    (kind.value, kind.label) for kind in AgencyKind if kind not in (AgencyKind.MINISTRY, AgencyKind.FORUM)
]
OTHER_ROLES = [(PartyRole.REPORTER.value, PartyRole.REPORTER.label), (PartyRole.WITNESS.value, PartyRole.WITNESS.label)]
RELATION_LIST = "hubungan_pelaku_simfoni"
VIOLENCE_LIST = "jenis_kekerasan_simfoni"
_LISTS = {*CASE_REFERENCE_FIELDS.values(), *PERSON_REFERENCE_FIELDS.values(), RELATION_LIST, VIOLENCE_LIST}


class IntakeChoices:
    """Every pick-list of the form, read in two queries whatever its size."""

    def __init__(self):
        lists: dict[str, list[tuple[str, str]]] = defaultdict(list)
        items = (
            ReferenceItem.objects.filter(reference_list__key__in=_LISTS, is_active=True)
            .select_related("reference_list")
            .order_by("reference_list__key", "position", "id")
        )
        for item in items:
            lists[item.reference_list.key].append((item.code, item.label))
        self.lists = lists
        grouped: dict[str, list[tuple[str, str]]] = {}
        for kelurahan in Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name"):
            grouped.setdefault(kelurahan.kecamatan.name, []).append((kelurahan.code, kelurahan.name))
        self.kelurahan = [(_("Kecamatan %(name)s") % {"name": name}, options) for name, options in grouped.items()]

    def of(self, list_key: str, *, blank: bool = True) -> list[tuple[str, str]]:
        options = list(self.lists.get(list_key, []))
        return [("", "—"), *options] if blank else options


def _select(label, *, required=False, help_text=""):
    return forms.ChoiceField(label=label, required=required, help_text=help_text)


class IntakeFormMixin:
    """No ``required`` attributes: half-done drafts are saved, and the server
    says what is missing, next to the field, in the user's language."""

    use_required_attribute = False


class IncidentForm(IntakeFormMixin, forms.Form):
    reported_at = forms.DateTimeField(
        label=gettext_lazy("Reported on"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    intake_channel = _select(gettext_lazy("How it was reported"))
    occurred_on = forms.DateField(
        label=gettext_lazy("Date of the incident"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        help_text=gettext_lazy("If only the month or the year is known, pick a day in it and say so below."),
    )
    occurred_precision = forms.ChoiceField(
        label=gettext_lazy("The date is known to"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        widget=forms.RadioSelect,
    )
    place_category = _select(gettext_lazy("Place of the incident"))
    incident_kelurahan = _select(gettext_lazy("Kelurahan of the incident"))
    local_case_type = _select(gettext_lazy("Case type"))
    risk = forms.ChoiceField(
        label=gettext_lazy("Risk level"),
        widget=forms.RadioSelect,
        help_text=gettext_lazy("High risk starts the 24-hour clock for a first response."),
    )
    is_kdrt = forms.BooleanField(label=gettext_lazy("Domestic violence (KDRT)"), required=False)
    is_tpks = forms.BooleanField(
        label=gettext_lazy("Sexual violence crime (TPKS)"),
        required=False,
        help_text=gettext_lazy("Starts the 3×24-hour deadline to report to the police."),
    )
    is_restricted = forms.BooleanField(
        label=gettext_lazy("Restricted case"),
        required=False,
        help_text=gettext_lazy(
            "The alleged perpetrator is staff, police or an official: only assigned caseworkers and "
            "supervisors will see the case."
        ),
    )
    chronology = forms.CharField(
        label=gettext_lazy("What happened (chronology)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_TEXT,
        help_text=gettext_lazy("In the reporter's words where possible: when, where, what, who was there."),
    )

    def __init__(self, *args, choices: IntakeChoices, **kwargs):
        super().__init__(*args, **kwargs)
        for name, list_key in CASE_REFERENCE_FIELDS.items():
            self.fields[name].choices = choices.of(list_key, blank=name != "risk")
        self.fields["incident_kelurahan"].choices = [("", "—"), *choices.kelurahan]
        self.fields["risk"].required = True
        if not self.is_bound and not self.initial.get("reported_at"):
            self.initial["reported_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_reported_at(self):
        value = self.cleaned_data["reported_at"]
        if value and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The report time is in the future."))
        return value

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The incident date is in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        occurred, reported = cleaned.get("occurred_on"), cleaned.get("reported_at")
        if occurred and reported and occurred > timezone.localtime(reported).date():
            self.add_error("occurred_on", _("The incident cannot come after the report."))
        return cleaned

    @property
    def incident_date(self) -> date | None:
        """The day ages are measured at (the incident, else the report), from
        validated data when there is some, else from what was typed."""
        if self.is_bound and hasattr(self, "cleaned_data"):
            reported = self.cleaned_data.get("reported_at")
            occurred = self.cleaned_data.get("occurred_on")
            if occurred or reported:
                return occurred or timezone.localtime(reported).date()
        return _parse_date(self._raw("occurred_on")) or _parse_date((self._raw("reported_at") or "")[:10])

    def _raw(self, name):
        return self[name].value()


def _parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def _parse_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class PersonForm(IntakeFormMixin, forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role in the case"), choices=OTHER_ROLES, initial="reporter")
    also_reporter = forms.BooleanField(label=gettext_lazy("This person reported the case"), required=False)
    name = forms.CharField(label=gettext_lazy("Full name"), required=False, max_length=300)
    nik = forms.CharField(
        label=gettext_lazy("NIK"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("16 digits, from the KTP or the family card (KK)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), required=False, widget=forms.RadioSelect)
    birth_date = forms.DateField(
        label=gettext_lazy("Birth date"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")
    )
    estimated_age = forms.IntegerField(
        label=gettext_lazy("Or estimated age at the incident"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    domicile_kelurahan = _select(gettext_lazy("Kelurahan of domicile"))
    violence_types = forms.MultipleChoiceField(
        label=gettext_lazy("Violence suffered"), required=False, widget=forms.CheckboxSelectMultiple
    )
    safe_to_call = forms.ChoiceField(
        label=gettext_lazy("Safe to call?"), choices=SAFETY_CHOICES, required=False, widget=forms.RadioSelect
    )
    safe_to_message = forms.ChoiceField(
        label=gettext_lazy("Safe to send messages?"), choices=SAFETY_CHOICES, required=False, widget=forms.RadioSelect
    )
    safe_to_visit = forms.ChoiceField(
        label=gettext_lazy("Safe to visit?"), choices=SAFETY_CHOICES, required=False, widget=forms.RadioSelect
    )
    contact_safety_notes = forms.CharField(
        label=gettext_lazy("When and how it is safe to make contact"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    education = _select(gettext_lazy("Education"))
    occupation = _select(gettext_lazy("Occupation"))
    marital_status = _select(gettext_lazy("Marital status"))
    religion = _select(gettext_lazy("Religion"))
    disability_kind = _select(gettext_lazy("Disability"))
    same_person_as = forms.ChoiceField(label=gettext_lazy("Same person as"), required=False, widget=forms.RadioSelect)

    MORE_FIELDS = ("education", "occupation", "marital_status", "religion", "disability_kind")
    SAFETY_FIELDS = ("safe_to_call", "safe_to_message", "safe_to_visit", "contact_safety_notes")

    def __init__(self, *args, key: str, kind: str, number: int, choices: IntakeChoices, matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.key, self.kind, self.number = key, kind, number
        self.matches = list(matches)
        for name, list_key in PERSON_REFERENCE_FIELDS.items():
            self.fields[name].choices = choices.of(list_key, blank=name != "sex")
        self.fields["domicile_kelurahan"].choices = [("", "—"), *choices.kelurahan]
        self.fields["violence_types"].choices = choices.of(VIOLENCE_LIST, blank=False)
        self.fields["same_person_as"].choices = [
            ("", _("Not the same person")),
            *(
                (
                    str(match.person_id),
                    _("Same person as in case %(number)s (%(roles)s)")
                    % {"number": match.register_number, "roles": match.role_labels},
                )
                for match in self.matches
            ),
        ]
        if kind == "victim":
            self.fields["name"].required = True
            del self.fields["role"]
        else:
            del self.fields["violence_types"]
            if kind == "perpetrator":
                del self.fields["role"], self.fields["also_reporter"]
                self.fields["name"].help_text = _("Leave empty if not known.")
            else:
                del self.fields["also_reporter"]
                self.fields["name"].help_text = _("Leave empty if the reporter stays anonymous.")
        self.nik_check = intake.NikCheck()

    @property
    def title(self) -> str:
        if self.kind == "victim":
            return _("Victim %(n)d") % {"n": self.number}
        if self.kind == "perpetrator":
            return _("Alleged perpetrator %(n)d") % {"n": self.number}
        return _("Person %(n)d") % {"n": self.number}

    @property
    def label(self) -> str:
        """How other parts of the form name this person: the name, or the title."""
        name = (self["name"].value() or "").strip()
        return f"{self.title} · {name}" if name else self.title

    @property
    def roles(self) -> list[str]:
        if self.kind == "victim":
            also = self.cleaned_data.get("also_reporter") if hasattr(self, "cleaned_data") else False
            return [PartyRole.VICTIM, *([PartyRole.REPORTER] if also else [])]
        if self.kind == "perpetrator":
            return [PartyRole.PERPETRATOR]
        return [self.cleaned_data.get("role") or PartyRole.REPORTER]

    def raw_role(self) -> str:
        if self.kind == "victim":
            return PartyRole.VICTIM
        if self.kind == "perpetrator":
            return PartyRole.PERPETRATOR
        return self["role"].value() or PartyRole.REPORTER

    def raw_is_reporter(self) -> bool:
        if self.kind == "victim":
            return bool(self["also_reporter"].value())
        return self.kind == "other" and self.raw_role() == PartyRole.REPORTER

    def age_on(self, day: date | None) -> int | None:
        """The derived age from what was typed (for display while filling in)."""
        if day is None:
            return None
        birth = _parse_date(self["birth_date"].value())
        estimate = _parse_int(self["estimated_age"].value())
        if birth and birth > day:
            return None
        return intake.age_at(birth_date=birth, estimated_age=estimate, on_day=day)

    def check_nik(self) -> intake.NikCheck:
        """The NIK's errors and warnings, from what was typed."""
        self.nik_check = intake.nik_check(
            self["nik"].value() or "",
            sex=self["sex"].value() or None,
            birth_date=_parse_date(self["birth_date"].value()),
        )
        return self.nik_check

    def clean_nik(self):
        value = (self.cleaned_data.get("nik") or "").strip()
        check = intake.nik_check(value)
        if check.errors:
            raise forms.ValidationError(check.errors)
        return normalize_nik(value)

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        digits = "".join(ch for ch in value if ch.isdigit())
        if value and not 8 <= len(digits) <= 15:
            raise forms.ValidationError(_("A phone number has 8 to 15 digits."))
        return value

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The birth date is in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.kind == "victim":
            if (
                cleaned.get("birth_date") is None
                and cleaned.get("estimated_age") is None
                and not (self.has_error("birth_date") or self.has_error("estimated_age"))
            ):
                self.add_error("birth_date", _("Give the victim's birth date or an estimated age."))
            if not cleaned.get("violence_types") and not self.has_error("violence_types"):
                self.add_error("violence_types", _("Tick at least one kind of violence."))
        return cleaned

    def person_input(self) -> PersonInput:
        data = self.cleaned_data
        same = data.get("same_person_as")
        return PersonInput(
            roles=self.roles,
            name=data.get("name", ""),
            nik=data.get("nik", ""),
            birth_date=data.get("birth_date"),
            estimated_age=data.get("estimated_age"),
            sex=data.get("sex") or None,
            education=data.get("education") or None,
            occupation=data.get("occupation") or None,
            marital_status=data.get("marital_status") or None,
            religion=data.get("religion") or None,
            has_disability=bool(data.get("disability_kind")),
            disability_kind=data.get("disability_kind") or None,
            phone=data.get("phone", ""),
            address=data.get("address", ""),
            domicile_kelurahan=data.get("domicile_kelurahan") or None,
            safe_to_call=_safety(data.get("safe_to_call")),
            safe_to_message=_safety(data.get("safe_to_message")),
            safe_to_visit=_safety(data.get("safe_to_visit")),
            contact_safety_notes=data.get("contact_safety_notes", ""),
            same_person_as_id=int(same) if same else None,
            violence_types=list(data.get("violence_types") or []),
        )


def _safety(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class RelationForm(IntakeFormMixin, forms.Form):
    relationship = forms.ChoiceField(label=gettext_lazy("Relationship"))

    def __init__(self, *args, perpetrator: PersonForm, victim: PersonForm, choices: IntakeChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.perpetrator, self.victim = perpetrator, victim
        self.fields["relationship"].choices = choices.of(RELATION_LIST)
        self.fields["relationship"].label = _("What is the alleged perpetrator to %(victim)s?") % {
            "victim": victim.label
        }
        self.fields["relationship"].error_messages["required"] = _("Choose the relationship (or “not known”).")


class ConsentForm(IntakeFormMixin, forms.Form):
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("Consent given for"),
        choices=ConsentPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick nothing if consent has not been asked yet."),
    )
    given_by = forms.ChoiceField(label=gettext_lazy("Given by"), required=False)
    capacity = forms.ChoiceField(
        label=gettext_lazy("Given as"), choices=ConsentGiver.choices, required=False, widget=forms.RadioSelect
    )
    agency_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of agency it covers"),
        choices=CONSENT_AGENCY_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disclosure_level = forms.ChoiceField(
        label=gettext_lazy("What may be shared"),
        choices=DisclosureLevel.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Limited: initials, age, sex, violence types, risk. Contact: also safe ways to reach the person. "
            "Full: the whole case."
        ),
    )
    given_on = forms.DateField(
        label=gettext_lazy("Given on"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes on the consent"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, victim: PersonForm, givers: list[PersonForm], everyone: list[PersonForm], **kwargs):
        super().__init__(*args, **kwargs)
        self.victim, self.givers = victim, givers
        # Only possible givers are offered; any person of the case is accepted
        # here so that choosing an alleged perpetrator (a crafted or old form)
        # gets the consent rule's own message rather than "not a valid choice".
        self.fields["given_by"].choices = [("", "—"), *((person.key, person.label) for person in everyone)]
        self.fields["given_by"].widget.choices = [("", "—"), *((giver.key, giver.label) for giver in givers)]
        if not self.is_bound and not self.initial.get("given_on"):
            self.initial["given_on"] = timezone.localdate().isoformat()

    @property
    def is_given(self) -> bool:
        return bool(self.cleaned_data.get("purposes"))

    def clean_given_on(self):
        value = self.cleaned_data.get("given_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("purposes"):
            return cleaned
        missing = {
            "given_by": _("Say who gave the consent."),
            "capacity": _("Say in which capacity the consent was given."),
            "agency_kinds": _("Tick the kinds of agency the consent covers."),
            "disclosure_level": _("Choose what may be shared."),
            "given_on": _("Give the date of the consent."),
        }
        for name, message in missing.items():
            if not cleaned.get(name) and not self.has_error(name):
                self.add_error(name, message)
        return cleaned


class IntakeForms:
    """All forms of one intake, from a draft document (``cases.intake``)."""

    def __init__(self, *, data: dict, choices: IntakeChoices, bound: bool = False, matches=None):
        self.persons_list = data["persons"]
        self.bound = bound
        fields = data["fields"]
        matches = matches or {}

        def build(form_class, prefix, **kwargs):
            if bound:
                return form_class(data=fields, prefix=prefix, **kwargs)
            initial = {
                name[len(prefix) + 1 :]: value for name, value in fields.items() if name.startswith(f"{prefix}-")
            }
            return form_class(initial=initial, prefix=prefix, **kwargs)

        self.incident = build(IncidentForm, "incident", choices=choices)
        counters = defaultdict(int)
        self.persons: list[PersonForm] = []
        for person in self.persons_list:
            counters[person["kind"]] += 1
            self.persons.append(
                build(
                    PersonForm,
                    f"person-{person['key']}",
                    key=person["key"],
                    kind=person["kind"],
                    number=counters[person["kind"]],
                    choices=choices,
                    matches=matches.get(person["key"], ()),
                )
            )
        self.relations: list[RelationForm] = []
        for perpetrator in self.perpetrators:
            perpetrator.relation_forms = []
            for victim in self.victims:
                relation = build(
                    RelationForm,
                    f"relation-{perpetrator.key}-{victim.key}",
                    perpetrator=perpetrator,
                    victim=victim,
                    choices=choices,
                )
                perpetrator.relation_forms.append(relation)
                self.relations.append(relation)
        self.consents: list[ConsentForm] = []
        for victim in self.victims:
            # Anyone but an alleged perpetrator may be chosen; the rules on who
            # (the victim, or a parent or guardian for a child) are checked on submit.
            givers = [victim, *(p for p in self.persons if p.kind != "perpetrator" and p is not victim)]
            victim.consent_form = build(
                ConsentForm, f"consent-{victim.key}", victim=victim, givers=givers, everyone=self.persons
            )
            self.consents.append(victim.consent_form)
        for person in self.persons:
            person.check_nik()
        self.non_field_errors: list[str] = []

    @property
    def victims(self) -> list[PersonForm]:
        return [person for person in self.persons if person.kind == "victim"]

    @property
    def perpetrators(self) -> list[PersonForm]:
        return [person for person in self.persons if person.kind == "perpetrator"]

    @property
    def others(self) -> list[PersonForm]:
        return [person for person in self.persons if person.kind == "other"]

    def all_forms(self) -> list[forms.Form]:
        return [self.incident, *self.persons, *self.relations, *self.consents]

    def incident_date(self) -> date | None:
        return self.incident.incident_date

    def for_display(self) -> None:
        """Derived facts shown next to the fields: age and child flag."""
        day = self.incident_date()
        for person in self.persons:
            person.derived_age = person.age_on(day)
            person.is_child = intake.is_child(person.derived_age)

    def is_valid(self) -> bool:
        valid = all([form.is_valid() for form in self.all_forms()])
        if not self.victims:
            self.non_field_errors.append(_("A case has at least one victim: add a victim."))
        if not any(person.raw_is_reporter() for person in self.persons):
            self.non_field_errors.append(
                _("Say who reported the case: tick “This person reported the case” on a victim, or add the reporter.")
            )
        if valid:
            self._check_consents()
        return valid and not self.non_field_errors and not any(form.errors for form in self.all_forms())

    def error_summary(self) -> list[dict]:
        """Every field error, in page order, with the anchor of its field: the
        list at the top of a refused form, so a long form on a phone is fixed
        field by field."""
        titled = [(self.incident, _("The incident"))]
        for person in self.persons:
            titled.append((person, person.title))
            titled.extend((relation, person.title) for relation in getattr(person, "relation_forms", []))
        for consent in self.consents:
            titled.append((consent, _("Consent of %(victim)s") % {"victim": consent.victim.title}))
        items = []
        for form, title in titled:
            if not form.is_bound:
                continue
            for name, errors in form.errors.items():
                if name not in form.fields:
                    items.extend({"anchor": "", "title": title, "message": message} for message in errors)
                    continue
                field = form[name]
                group = field.widget_type in ("radioselect", "checkboxselectmultiple")
                anchor = f"{field.auto_id}_group" if group else field.auto_id
                items.append({"anchor": anchor, "title": f"{title} · {field.label}", "message": errors[0]})
        return items

    def _check_consents(self) -> None:
        """The consent rules of ``services.consent_record``, checked before
        anything is written so the error shows next to the field."""
        day = self.incident_date()
        persons = {person.key: person for person in self.persons}
        for consent in self.consents:
            if not consent.is_given:
                continue
            victim, giver = consent.victim, persons.get(consent.cleaned_data["given_by"])
            capacity = consent.cleaned_data["capacity"]
            child = intake.is_child(
                intake.age_at(
                    birth_date=victim.cleaned_data.get("birth_date"),
                    estimated_age=victim.cleaned_data.get("estimated_age"),
                    on_day=day,
                )
            )
            if giver is None or giver.kind == "perpetrator":
                consent.add_error("given_by", _("The alleged perpetrator cannot give consent."))
            elif child:
                if giver is victim or capacity not in (ConsentGiver.PARENT, ConsentGiver.GUARDIAN):
                    consent.add_error("capacity", _("For a child, a parent or guardian gives consent."))
            elif giver is not victim or capacity != ConsentGiver.VICTIM:
                consent.add_error("capacity", _("An adult victim gives consent personally."))

    def submission(self) -> intake.IntakeSubmission:
        """The validated input as the services take it (call after ``is_valid``)."""
        index = {person.key: position for position, person in enumerate(self.persons)}
        incident = self.incident.cleaned_data
        case = CaseInput(
            reported_at=incident["reported_at"],
            occurred_on=incident.get("occurred_on"),
            occurred_precision=incident.get("occurred_precision") or DatePrecision.DAY,
            risk=incident.get("risk") or None,
            intake_channel=incident.get("intake_channel") or None,
            place_category=incident.get("place_category") or None,
            incident_kelurahan=incident.get("incident_kelurahan") or None,
            is_kdrt=bool(incident.get("is_kdrt")),
            is_tpks=bool(incident.get("is_tpks")),
            chronology=incident.get("chronology", ""),
            local_case_type=incident.get("local_case_type") or None,
            is_restricted=bool(incident.get("is_restricted")),
            persons=[person.person_input() for person in self.persons],
            relations=[
                RelationInput(
                    victim=index[relation.victim.key],
                    perpetrator=index[relation.perpetrator.key],
                    relationship=relation.cleaned_data["relationship"],
                )
                for relation in self.relations
            ],
        )
        consents = []
        for consent in self.consents:
            if not consent.is_given:
                continue
            data = consent.cleaned_data
            for purpose in data["purposes"]:
                consents.append(
                    intake.ConsentInput(
                        victim=index[consent.victim.key],
                        given_by=index[data["given_by"]],
                        capacity=data["capacity"],
                        purpose=purpose,
                        agency_kinds=list(data["agency_kinds"]),
                        disclosure_level=data["disclosure_level"],
                        given_on=data["given_on"],
                        notes=data.get("notes", ""),
                    )
                )
        return intake.IntakeSubmission(case=case, consents=consents)

    def consent_of(self, victim_index: int) -> ConsentForm | None:
        person = self.persons[victim_index] if 0 <= victim_index < len(self.persons) else None
        return getattr(person, "consent_form", None)


# Service field names → consent form field names, for errors raised on submit.
CONSENT_ERROR_FIELDS = {
    "given_by_person_id": "given_by",
    "given_by_capacity": "capacity",
    "purpose": "purposes",
    "agency_kinds": "agency_kinds",
    "disclosure_level": "disclosure_level",
    "given_on": "given_on",
}


def persons_from_post(post, fallback: list[dict]) -> list[dict]:
    """The persons of the form (hidden ``persons`` = "key:kind"), or ``fallback``
    when the POST carries none (a form from before any person was listed)."""
    entries = post.getlist("persons")
    if not entries:
        return fallback
    pairs = [entry.split(":", 1) for entry in entries if ":" in entry]
    return intake.clean_person_list([{"key": key, "kind": kind} for key, kind in pairs])


def draft_fields_from_post(post, persons: list[dict], choices: IntakeChoices) -> dict:
    """Every field of every form for ``persons``, read from ``post`` the way
    the widgets read it, kept as typed (long text cut at a sane length)."""
    shapes = IntakeForms(data={"persons": persons, "fields": {}}, choices=choices)
    fields = {}
    for form in shapes.all_forms():
        for name, form_field in form.fields.items():
            html_name = form.add_prefix(name)
            value = form_field.widget.value_from_datadict(post, {}, html_name)
            if isinstance(value, str):
                value = value[:MAX_TEXT]
            elif isinstance(value, list):
                value = [str(item)[:200] for item in value][:50]
            elif value is not None and not isinstance(value, bool):
                value = str(value)[:MAX_TEXT]
            fields[html_name] = value
    return fields


def identities(forms_: IntakeForms) -> dict[str, dict]:
    """Key → name, NIK, phone as typed: what "same person as" matches on."""
    return {
        person.key: {
            "name": (person["name"].value() or "").strip(),
            "nik": (person["nik"].value() or "").strip(),
            "phone": (person["phone"].value() or "").strip(),
        }
        for person in forms_.persons
    }
