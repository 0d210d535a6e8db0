"""Demo referrals between the demo agencies, in every state, made through the
services (so history, grants, notifications and audit are real): UPTD PPA
refers adult victims' cases to the police PPA unit, the hospital, Dinas Sosial
and Puspaga Harmoni; two sent referrals are overdue (one escalated). Consent
for each is recorded first, as a caseworker would. Idempotent: seeds only
when no referral exists between the demo agencies."""

from datetime import timedelta

from django.utils import timezone

from agencies.models import Agency, Membership
from cases.models import Case, CaseStatus, Consent, Party, PartyRole, is_child_at_incident
from referrals import services
from referrals.models import Referral
from referrals.services import ReferralInput

WORKING_STATES = (
    CaseStatus.OPEN,
    CaseStatus.ASSESSMENT,
    CaseStatus.INTERVENTION_PLAN,
    CaseStatus.IN_SERVICE,
    CaseStatus.MONITORING,
)
# (receiving agency code, final state, urgency, services, grant level, hours since sent or None)
PLAN = [
    ("polres-ppa", "draft", "urgent", ["PENEGAKAN_HUKUM"], "limited", None),
    ("polres-ppa", "submitted", "routine", ["PENEGAKAN_HUKUM"], "contact", None),
    ("rsud-depok", "returned", "urgent", ["KESEHATAN"], "limited", None),
    ("polres-ppa", "sent", "urgent", ["PENEGAKAN_HUKUM"], "contact", 3),
    ("polres-ppa", "sent", "routine", ["PENEGAKAN_HUKUM", "BANTUAN_HUKUM"], "limited", 24 * 6),  # overdue
    ("polres-ppa", "sent", "emergency", ["PENEGAKAN_HUKUM"], "contact", 5),  # overdue, escalated
    ("polres-ppa", "accepted", "urgent", ["PENEGAKAN_HUKUM"], "contact", 20),
    ("polres-ppa", "in_progress", "routine", ["PENEGAKAN_HUKUM"], "limited", 24 * 4),
    ("polres-ppa", "completed", "routine", ["PENEGAKAN_HUKUM"], "limited", 24 * 20),
    ("polres-ppa", "declined", "routine", ["BANTUAN_HUKUM"], "limited", 24 * 8),
    ("polres-ppa", "withdrawn", "urgent", ["PENEGAKAN_HUKUM"], "limited", 24 * 2),
    ("puspaga-harmoni", "accepted", "routine", ["REHAB_SOSIAL"], "contact", 24 * 2),
    ("dinsos-depok", "sent", "routine", ["REHAB_SOSIAL", "REINTEGRASI"], "limited", 2),
]
SUMMARY = "Korban (fiktif) membutuhkan pendampingan lanjutan; kontak aman lewat pesan setelah pukul 16.00."
REASON = "Layanan berada di luar kewenangan UPTD PPA; dirujuk sesuai kebutuhan korban (data contoh)."


def _member(username: str, agency: Agency) -> Membership | None:
    return Membership.objects.filter(user__username=username, agency=agency, is_active=True).first()


def _adult_cases(uptd: Agency, count: int) -> list[Case]:
    found = []
    for case in Case.objects.filter(agency=uptd, status__in=WORKING_STATES, is_restricted=False).order_by("-id"):
        victim = Party.objects.filter(case=case, role=PartyRole.VICTIM).select_related("person").first()
        if victim is not None and is_child_at_incident(person=victim.person, case=case) is False:
            found.append((case, victim))
        if len(found) == count:
            break
    return found


def seed(stdout) -> None:
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=["uptd-ppa", *{p[0] for p in PLAN}])}
    if len(agencies) < 1 + len({p[0] for p in PLAN}):
        stdout.write("Referrals: demo agencies missing, none seeded.")
        return
    uptd = agencies["uptd-ppa"]
    if Referral.objects.filter(from_agency=uptd).exists():
        stdout.write("Referrals: demo referrals already present.")
        return
    caseworker = _member("caseworker.uptd", uptd)
    supervisor = _member("supervisor.uptd", uptd)
    receivers = {
        "polres-ppa": (
            _member("caseworker.polres", agencies["polres-ppa"]),
            _member("supervisor.polres", agencies["polres-ppa"]),
        ),
        "puspaga-harmoni": (_member("counsellor.puspaga", agencies["puspaga-harmoni"]), None),
    }
    cases = _adult_cases(uptd, len(PLAN))
    if caseworker is None or supervisor is None or len(cases) < len(PLAN):
        stdout.write("Referrals: demo accounts or cases missing, none seeded.")
        return
    now = timezone.now()
    made = 0
    for (code, state, urgency, requested, level, hours), (case, victim) in zip(PLAN, cases, strict=True):
        to_agency = agencies[code]
        Consent.objects.create(
            case=case,
            victim=victim,
            given_by=victim.person,
            given_by_capacity="victim",
            purpose="referral",
            agency_kinds=[to_agency.kind],
            disclosure_level=level,
            given_on=timezone.localdate() - timedelta(days=10),
            recorded_by=caseworker,
        )
        case.assignments.get_or_create(membership=caseworker)
        referral, _created = services.referral_create(
            actor=caseworker,
            case_id=case.pk,
            data=ReferralInput(
                to_agency_id=to_agency.pk,
                urgency=urgency,
                requested_services=requested,
                reason=REASON,
                summary=SUMMARY,
                grant_level=level,
            ),
        )
        made += 1
        if state == "draft":
            continue
        services.referral_submit(actor=caseworker, referral_id=referral.pk)
        if state == "submitted":
            continue
        if state == "returned":
            services.referral_return(
                actor=supervisor, referral_id=referral.pk, comments="Lengkapi layanan yang diminta (contoh)."
            )
            continue
        services.referral_approve(actor=supervisor, referral_id=referral.pk)
        if hours is not None:
            from referrals.deadlines import due_at

            sent_at = now - timedelta(hours=hours)
            Referral.objects.filter(pk=referral.pk).update(
                sent_at=sent_at, due_at=due_at(sent_at=sent_at, urgency=urgency)
            )
        receiver, _receiving_supervisor = receivers.get(code, (None, None))
        if state == "sent":
            referral.refresh_from_db()
            if urgency == "emergency":
                services.referral_escalate(referral_id=referral.pk)
            continue
        if state == "withdrawn":
            services.referral_withdraw(
                actor=caseworker, referral_id=referral.pk, reason="Korban pindah domisili (contoh)."
            )
            continue
        if receiver is None:
            continue
        if state == "declined":
            services.referral_decline(actor=receiver, referral_id=referral.pk, reason="Di luar kewenangan (contoh).")
            continue
        services.referral_accept(actor=receiver, referral_id=referral.pk)
        if state == "accepted":
            continue
        services.referral_start(actor=receiver, referral_id=referral.pk)
        if state == "completed":
            services.referral_complete(actor=receiver, referral_id=referral.pk, outcome="Layanan selesai (contoh).")
    stdout.write(f"Referrals: {made}.")
