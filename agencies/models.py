from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    CITY_OFFICE = "city_office", _("City office")
    MINISTRY = "ministry", _("Ministry")
    SERVICE_UNIT = "service_unit", _("Service unit")
    POLICE = "police", _("Police")
    HEALTH = "health", _("Health")
    SOCIAL = "social", _("Social services")
    LEGAL = "legal", _("Legal aid and justice")
    PROGRAM = "program", _("Prevention program")
    FORUM = "forum", _("Forum")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROGRAM_OFFICER = "program_officer", _("Program officer")
    ANALYST = "analyst", _("Analyst")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")


# Roles whose members work the cases of their agency (and of its grants).
CASE_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})


class Agency(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    receives_referrals = models.BooleanField(_("receives referrals"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # The agency's own group: grants on cases are given to it, and membership
    # of it follows active memberships. Created with the agency.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=["ministry", "forum"]) | models.Q(receives_referrals=False),
                name="agency_forums_and_ministries_receive_no_referrals",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Every agency owns its group, made with it (admins create agencies too).
        if self.group_id is None:
            self.group = Group.objects.create(name=f"agency:{self.code}")
        super().save(*args, **kwargs)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="membership_one_per_user_and_agency")]

    def __str__(self):
        return f"{self.agency} · {self.get_role_display()}"

    @property
    def works_cases(self) -> bool:
        return self.role in CASE_ROLES

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.agency.is_active and self.user.is_active


class Kecamatan(models.Model):
    code = models.CharField(_("Kemendagri code"), max_length=12, unique=True)
    code_bps = models.CharField(_("BPS code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Kelurahan(models.Model):
    # Two kelurahan are both named Curug: the code, not the name, is the key.
    code = models.CharField(_("Kemendagri code"), max_length=16, unique=True)
    code_bps = models.CharField(_("BPS code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="kelurahan")

    class Meta:
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")
        ordering = ["kecamatan__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.kecamatan.name})"


class ReferenceList(models.Model):
    """A pick-list from the SIMFONI-PPA taxonomy, editable by administrators."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    status = models.CharField(_("source status"), max_length=40, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        verbose_name = _("reference list")
        verbose_name_plural = _("reference lists")
        ordering = ["key"]

    def __str__(self):
        return self.key


class ReferenceItemQuerySet(models.QuerySet):
    def of(self, list_key: str):
        return self.filter(reference_list__key=list_key, is_active=True)


class ReferenceItem(models.Model):
    reference_list = models.ForeignKey(ReferenceList, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=60)
    label_id = models.CharField(_("label (Indonesian)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Fields some lists carry (age band bounds, a SIMFONI mapping, …).
    extra = models.JSONField(_("extra"), default=dict, blank=True)

    objects = ReferenceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference item")
        verbose_name_plural = _("reference items")
        ordering = ["reference_list__key", "position"]
        constraints = [models.UniqueConstraint(fields=["reference_list", "code"], name="reference_item_code_per_list")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "id").startswith("en") and self.label_en:
            return self.label_en
        return self.label_id
