"""Case records, aligned with SIMFONI-PPA through the reference tables.

Identity fields and all free text about a person are ``EncryptedTextField``;
NIK, phone and the normalized name also carry blind indexes (``*_hash``) for
exact search. Nothing here decides who sees what: that is
``cases.selectors.visible_cases``.
"""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from agencies.models import Agency, Kelurahan, Membership, ReferenceItem
from cases.fields import EncryptedTextField, blind_index

ADULT_AGE = 18


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Intake (draft)")
    OPEN = "open", _("Open")
    ASSESSMENT = "assessment", _("Assessment")
    INTERVENTION_PLAN = "intervention_plan", _("Intervention plan")
    IN_SERVICE = "in_service", _("In service")
    MONITORING = "monitoring", _("Monitoring")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact day")
    MONTH = "month", _("Month only")
    YEAR = "year", _("Year only")


class RegisterSequence(models.Model):
    """The last register number given out in a year (locked while numbering)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"registersequence #{self.pk}"


class Case(models.Model):
    register_number = models.CharField(_("register number"), max_length=20, unique=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("owning agency"), on_delete=models.PROTECT, related_name="owned_cases"
    )
    assigned_caseworkers = models.ManyToManyField(
        Membership, through="CaseAssignment", related_name="assigned_cases", verbose_name=_("assigned caseworkers")
    )
    is_restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_(
            "The alleged perpetrator is staff, police or an official: only assigned caseworkers and supervisors see it."
        ),
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    risk = models.ForeignKey(
        ReferenceItem, verbose_name=_("risk level"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intake_channel = models.ForeignKey(
        ReferenceItem,
        verbose_name=_("intake channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    occurred_precision = models.CharField(
        _("precision of the incident date"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    place_category = models.ForeignKey(
        ReferenceItem,
        verbose_name=_("place of incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    incident_kelurahan = models.ForeignKey(
        Kelurahan,
        verbose_name=_("kelurahan of the incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_kdrt = models.BooleanField(_("domestic violence (KDRT)"), default=False)
    is_tpks = models.BooleanField(_("sexual violence crime (TPKS)"), default=False)
    chronology = EncryptedTextField(_("chronology"))
    local_case_type = models.ForeignKey(
        ReferenceItem,
        verbose_name=_("case type (Depok)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The two legal clocks the design shows until they stop: kept on the row
    # (set by the services that stop them) so "overdue" is one indexed filter.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    police_reported_on = models.DateField(_("reported to the police on"), null=True, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # No default ordering: lists order by id themselves, and a default
        # ordering would slip a sort into every count and subquery.
        permissions = [
            ("view_case_limited", "View a case at the limited level"),
            ("view_case_contact", "View a case at the contact level"),
            ("view_case_full", "View a case in full"),
        ]
        indexes = [
            # The owner's branch of the gate: newest first, counted index-only.
            models.Index(fields=["agency", "is_restricted", "id"], name="case_owner_idx"),
            models.Index(fields=["agency", "is_restricted", "status", "id"], name="case_owner_status_idx"),
        ]

    def __str__(self):
        return self.register_number

    @property
    def incident_date(self) -> date:
        """The day ages are measured at: the incident, or else the report."""
        return self.occurred_on or self.reported_at.date()


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="case_assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "case"], name="case_assignment_once")]

    def __str__(self):
        return f"caseassignment #{self.pk}"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """A grant: the receiving agency's group holds one level on one case.

    Direct foreign key (not guardian's generic table) so the gate joins on an
    integer. Only ``cases.grants`` writes or reads these rows.
    """

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        # One level per agency per case: a new level replaces the old one.
        constraints = [models.UniqueConstraint(fields=["group", "content_object"], name="case_grant_one_per_group")]

    def __str__(self):
        return f"casegroupobjectpermission #{self.pk}"


class Person(models.Model):
    """A person as recorded in one case. The same human in another case of the
    agency is another record, linked by ``same_person_as``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    name = EncryptedTextField(_("name"))
    name_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    nik = EncryptedTextField(_("NIK"))
    nik_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age at the incident"), null=True, blank=True)
    sex = models.ForeignKey(
        ReferenceItem, verbose_name=_("sex"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    education = models.ForeignKey(
        ReferenceItem, verbose_name=_("education"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occupation = models.ForeignKey(
        ReferenceItem, verbose_name=_("occupation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marital_status = models.ForeignKey(
        ReferenceItem,
        verbose_name=_("marital status"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    religion = models.ForeignKey(
        ReferenceItem, verbose_name=_("religion"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    has_disability = models.BooleanField(_("has a disability"), default=False)
    disability_kind = models.ForeignKey(
        ReferenceItem,
        verbose_name=_("kind of disability"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    phone = EncryptedTextField(_("phone"))
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedTextField(_("address"))
    domicile_kelurahan = models.ForeignKey(
        Kelurahan,
        verbose_name=_("kelurahan of domicile"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    safe_to_call = models.BooleanField(_("safe to call"), null=True, blank=True)
    safe_to_message = models.BooleanField(_("safe to message"), null=True, blank=True)
    safe_to_visit = models.BooleanField(_("safe to visit"), null=True, blank=True)
    contact_safety_notes = EncryptedTextField(_("when and how it is safe to make contact"))
    same_person_as = models.ForeignKey(
        "self", verbose_name=_("same person as"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self):
        return f"person #{self.pk}"

    def save(self, *args, **kwargs):
        self.refresh_hashes()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"name_hash", "nik_hash", "phone_hash"}
        super().save(*args, **kwargs)

    def refresh_hashes(self) -> None:
        self.name_hash = blind_index("name", self.name)
        self.nik_hash = blind_index("nik", self.nik)
        self.phone_hash = blind_index("phone", self.phone)

    @property
    def initials(self) -> str:
        return "".join(part[0].upper() for part in self.name.split() if part[:1].isalpha())[:4]

    def age_on(self, day: date) -> int | None:
        if self.birth_date is not None:
            years = day.year - self.birth_date.year
            if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
                years -= 1
            return max(years, 0)
        return self.estimated_age


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    PERPETRATOR = "perpetrator", _("Alleged perpetrator")
    REPORTER = "reporter", _("Reporter")
    WITNESS = "witness", _("Witness")


class Party(models.Model):
    """A person in one role in the case (a victim may also be the reporter)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    violence_types = models.ManyToManyField(
        ReferenceItem,
        verbose_name=_("violence types"),
        blank=True,
        related_name="+",
        help_text=_("For victims: the SIMFONI-PPA violence types suffered."),
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="party_role_once_per_person")]
        indexes = [models.Index(fields=["case", "role"], name="party_case_role_idx")]

    def __str__(self):
        return f"{self.role} #{self.pk}"


def is_child_at_incident(*, person: Person, case: Case) -> bool | None:
    """A victim under 18 on the incident date is a child: derived, never typed.
    None when neither a birth date nor an estimated age is known."""
    age = person.age_on(case.incident_date)
    return None if age is None else age < ADULT_AGE


class PerpetratorRelation(models.Model):
    """How an alleged perpetrator is related to a victim (SIMFONI list)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relations")
    victim = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="perpetrator_relations")
    perpetrator = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="victim_relations")
    relationship = models.ForeignKey(
        ReferenceItem, verbose_name=_("relationship"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["victim", "perpetrator"], name="perpetrator_relation_once"),
        ]

    def __str__(self):
        return f"perpetratorrelation #{self.pk}"


class Service(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    victim = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="services")
    given_on = models.DateField(_("date"))
    service_type = models.ForeignKey(
        ReferenceItem, verbose_name=_("service type"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(Agency, verbose_name=_("providing agency"), on_delete=models.PROTECT, related_name="+")
    notes = EncryptedTextField(_("notes"))
    recorded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"service #{self.pk}"


class ConsentPurpose(models.TextChoices):
    RECORDING = "recording", _("Recording the case")
    REFERRAL = "referral", _("Referral to another agency")
    POLICE_REPORT = "police_report", _("Report to the police")


class DisclosureLevel(models.TextChoices):
    LIMITED = "limited", _("Limited")
    CONTACT = "contact", _("Contact")
    FULL = "full", _("Full")


class ConsentGiver(models.TextChoices):
    VICTIM = "victim", _("The victim")
    PARENT = "parent", _("A parent")
    GUARDIAN = "guardian", _("A guardian")


class Consent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    victim = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    given_by = models.ForeignKey(Person, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+")
    given_by_capacity = models.CharField(_("given as"), max_length=10, choices=ConsentGiver.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    agency_kinds = models.JSONField(_("kinds of agency covered"), default=list)
    disclosure_level = models.CharField(_("disclosure level"), max_length=10, choices=DisclosureLevel.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"))
    recorded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"consent #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(_("note"))
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"casenote #{self.pk}"


class LegalStep(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_steps")
    step = models.ForeignKey(ReferenceItem, verbose_name=_("step"), on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(_("date"))
    notes = EncryptedTextField(_("notes"))
    recorded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"legalstep #{self.pk}"


class Attachment(models.Model):
    """Metadata of a file kept outside the web root (contents come later,
    encrypted). The original file name is free text and is encrypted too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    original_name = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=80, unique=True)
    uploaded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"attachment #{self.pk}"


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    transition = models.CharField(max_length=30)
    reason = EncryptedTextField(_("reason"))
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"casestatuschange #{self.pk}"


class CaseCreateRequest(models.Model):
    """An Idempotency-Key seen on case creation: a retried request finds the
    case the first one made instead of making another."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "key"], name="case_create_key_once")]

    def __str__(self):
        return f"casecreaterequest #{self.pk}"


class ReencryptionProgress(models.Model):
    """How far ``reencrypt_cases`` got for one table under one newest key."""

    model_label = models.CharField(max_length=100)
    key_fingerprint = models.CharField(max_length=16)
    last_pk = models.BigIntegerField(default=0)
    finished = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_label", "key_fingerprint"], name="reencryption_progress_once")
        ]

    def __str__(self):
        return f"reencryptionprogress #{self.pk}"


class AgencyCaseCount(models.Model):
    """How many cases an agency owns, restricted or not: maintained by a
    PostgreSQL statement trigger on ``cases_case`` (migration 0002), in the
    same transaction as the rows it counts, so the unfiltered list total of a
    large agency is one row read instead of an index scan of all its cases.
    Elsewhere (SQLite) the gate counts directly."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    is_restricted = models.BooleanField()
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "is_restricted"], name="agency_case_count_once"),
        ]

    def __str__(self):
        return f"agencycasecount #{self.pk}"


class CasePlan(models.Model):
    """The assessment and the intervention plan of a case: free text about a
    person, so encrypted. Edited with its own version check."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    assessment = EncryptedTextField(_("assessment"))
    intervention_plan = EncryptedTextField(_("intervention plan"))
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"caseplan #{self.pk}"


class CaseTask(models.Model):
    """A task of the intervention plan: it shows in its owner's home queue."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"))
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="case_tasks")
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="case_task_queue_idx")]

    def __str__(self):
        return f"casetask #{self.pk}"


class IntakeDraft(models.Model):
    """An intake form being filled in, autosaved on the server so it survives
    a lost connection or a closed phone. Its fields are encrypted as one JSON
    document; submitting it makes exactly one case (``submitted_case``)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="intake_drafts")
    data = EncryptedTextField(_("form contents"))
    revision = models.PositiveIntegerField(default=1)
    submitted_case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["membership", "submitted_case"], name="intake_draft_queue_idx")]

    def __str__(self):
        return f"intakedraft #{self.pk}"
