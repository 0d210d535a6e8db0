"""About 300 fictional cases over two years for the demo agencies, weighted
as in the domain notes: most at UPTD PPA, some at the police and Puspaga;
about 55% with child victims (sexual violence dominating among them); age
bands, kecamatan and places weighted after Depok's published figures.
Names are obviously generated ("Contoh Korban 017"). Idempotent: seeds only
when the demo agencies hold no case yet. Deterministic (fixed random seed).
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from agencies.models import Agency, Kecamatan, Membership, Role
from cases.grants import Access
from cases.models import Case, CaseStatus
from cases.seeding import CaseSpec, PersonSpec, TaskSpec, seed_cases

CASE_COUNT = 300
AGENCY_SHARES = [("uptd-ppa", 0.80), ("polres-ppa", 0.12), ("puspaga-harmoni", 0.08)]
CHILD_SHARE = 0.55
# Child cases by kecamatan (one year, domain notes) — used as weights.
KECAMATAN_WEIGHTS = {
    "Beji": 16,
    "Tapos": 16,
    "Pancoran Mas": 15,
    "Sawangan": 10,
    "Bojongsari": 9,
    "Cilodong": 9,
    "Cimanggis": 9,
    "Sukmajaya": 9,
    "Cipayung": 5,
    "Cinere": 3,
    "Limo": 1,
}
CHILD_BANDS = [((0, 5), 19), ((6, 12), 53), ((13, 17), 40)]
ADULT_BANDS = [((18, 24), 24), ((25, 44), 73), ((45, 59), 17), ((60, 75), 1)]
# Local case type → (weight among child cases, weight among adult cases).
CASE_TYPES = {
    "SEKSUAL": (60, 12),
    "FISIK": (14, 40),
    "PSIKIS": (10, 33),
    "HAK_ASUH": (6, 4),
    "PENELANTARAN": (5, 10),
    "PORNOGRAFI": (3, 0),
    "EKSPLOITASI": (2, 1),
}
SIMFONI_FOR_TYPE = {
    "SEKSUAL": "SEKSUAL",
    "FISIK": "FISIK",
    "PSIKIS": "PSIKIS",
    "HAK_ASUH": "PSIKIS",
    "PENELANTARAN": "PENELANTARAN",
    "PORNOGRAFI": "SEKSUAL",
    "EKSPLOITASI": "EKSPLOITASI",
}
PLACES = [("RUMAH_TANGGA", 70), ("SEKOLAH", 8), ("FASILITAS_UMUM", 10), ("TEMPAT_KERJA", 4), ("LAINNYA", 8)]
CHANNELS = [
    ("LANGSUNG", 35),
    ("HOTLINE_UPTD", 25),
    ("RUJUKAN", 20),
    ("SAPA129_WA", 8),
    ("PUSPAGA", 5),
    ("FORUM_ANAK", 3),
    ("MEDIA", 4),
]
CHILD_RELATIONS = [
    ("ORANG_TUA", 30),
    ("KELUARGA", 20),
    ("TETANGGA", 20),
    ("PACAR_TEMAN", 15),
    ("GURU", 8),
    ("LAINNYA", 7),
]
ADULT_RELATIONS = [("SUAMI_ISTRI", 70), ("PACAR_TEMAN", 12), ("KELUARGA", 8), ("MAJIKAN", 4), ("LAINNYA", 6)]
SERVICES = ["PENGADUAN", "KESEHATAN", "BANTUAN_HUKUM", "REHAB_SOSIAL"]
# Case numbers turned into the situations the home queues and the list must
# show: high-risk cases still waiting for a first response (two overdue, two
# with the clock running) and TPKS cases not yet reported to the police.
HIGH_RISK_WAITING = {3: 30, 7: 52, 15: 5, 19: 9}  # number → hours since the report
TPKS_UNREPORTED = {11: 100, 23: 130, 42: 30}  # number → hours since the report
# The workflow path, in order, with the transition that enters each status.
PATH = [
    ("open", CaseStatus.OPEN),
    ("start_assessment", CaseStatus.ASSESSMENT),
    ("plan_intervention", CaseStatus.INTERVENTION_PLAN),
    ("start_service", CaseStatus.IN_SERVICE),
    ("start_monitoring", CaseStatus.MONITORING),
    ("request_closure", CaseStatus.CLOSURE_REQUESTED),
    ("approve_closure", CaseStatus.CLOSED),
    ("archive", CaseStatus.ARCHIVED),
]
REASONS = {
    "request_closure": "Tujuan rencana intervensi tercapai; korban aman dan didampingi keluarga (fiktif).",
}
ASSESSMENTS = [
    "Korban dalam kondisi stabil, tinggal bersama ibu. Risiko berulang sedang; "
    "pelaku masih tinggal di lingkungan yang sama.",
    "Korban mengalami trauma; perlu pendampingan psikologis. Keluarga mendukung proses hukum.",
    "Korban bergantung secara ekonomi pada pelaku. Perlu rumah aman sementara dan pendampingan hukum.",
]
PLANS = [
    "1. Pemeriksaan kesehatan dan visum. 2. Konseling psikologis 4 sesi. 3. Pendampingan laporan polisi.",
    "1. Rujukan ke psikolog UPTD. 2. Koordinasi dengan sekolah. 3. Kunjungan rumah setiap 2 minggu.",
    "1. Penempatan di rumah aman. 2. Bantuan hukum untuk perlindungan. 3. Pemberdayaan ekonomi melalui Puspaga.",
]
TASK_TITLES = [
    "Kunjungan rumah dan cek keamanan korban",
    "Jadwalkan sesi konseling dengan psikolog",
    "Koordinasi dengan Unit PPA Polres untuk BAP",
    "Dampingi korban ke RSUD untuk visum",
    "Hubungi sekolah untuk dukungan belajar",
    "Susun laporan perkembangan untuk penyelia",
]
_ACTIVE = (CaseStatus.INTERVENTION_PLAN, CaseStatus.IN_SERVICE, CaseStatus.MONITORING)


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _status_for(rng: random.Random, age_days: int) -> str:
    if age_days > 400:
        return _pick(rng, [(CaseStatus.ARCHIVED, 50), (CaseStatus.CLOSED, 40), (CaseStatus.MONITORING, 10)])
    if age_days > 120:
        return _pick(
            rng,
            [
                (CaseStatus.CLOSED, 40),
                (CaseStatus.MONITORING, 25),
                (CaseStatus.IN_SERVICE, 25),
                (CaseStatus.CLOSURE_REQUESTED, 10),
            ],
        )
    return _pick(
        rng,
        [
            (CaseStatus.DRAFT, 10),
            (CaseStatus.OPEN, 20),
            (CaseStatus.ASSESSMENT, 25),
            (CaseStatus.INTERVENTION_PLAN, 15),
            (CaseStatus.IN_SERVICE, 30),
        ],
    )


def demo_specs(
    *, today: date, agencies: dict[str, Agency], kecamatan: list[Kecamatan], caseworkers: dict[str, list[int]]
) -> list[CaseSpec]:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    kelurahan_by_kecamatan = {k.name: [kel.pk for kel in k.kelurahan.all()] for k in kecamatan}
    kecamatan_weights = [(name, KECAMATAN_WEIGHTS.get(name, 1)) for name in kelurahan_by_kecamatan]
    specs = []
    for number in range(1, CASE_COUNT + 1):
        agency_code = _pick(rng, AGENCY_SHARES)
        if number in HIGH_RISK_WAITING or number in TPKS_UNREPORTED:
            agency_code = "uptd-ppa"  # the situations the demo's UPTD queues show
        agency = agencies[agency_code]
        child = rng.random() < CHILD_SHARE
        low, high = _pick(rng, CHILD_BANDS if child else ADULT_BANDS)
        age = rng.randint(low, high)
        case_type = _pick(rng, [(code, w[0] if child else w[1]) for code, w in CASE_TYPES.items()])
        age_days = rng.randint(1, 730)
        reported_on = today - timedelta(days=age_days)
        occurred_on = reported_on - timedelta(days=rng.randint(0, 30))
        reported_at = timezone.make_aware(
            datetime.combine(reported_on, time(8 + rng.randint(0, 8), rng.randint(0, 59)))
        )
        kecamatan_name = _pick(rng, kecamatan_weights)
        kelurahan_id = rng.choice(kelurahan_by_kecamatan[kecamatan_name])
        female = rng.random() < 0.87
        victim_birth = occurred_on.replace(year=occurred_on.year - age) - timedelta(days=rng.randint(1, 300))
        violence = [SIMFONI_FOR_TYPE[case_type]]
        if rng.random() < 0.3 and "PSIKIS" not in violence:
            violence.append("PSIKIS")
        victim = PersonSpec(
            roles=["victim"] if child else ["victim", "reporter"],
            name=f"Contoh Korban {number:03d}",
            nik=f"3276{number:012d}" if not child or age >= 17 else "",
            phone="" if child else f"0812000{number:05d}",
            birth_date=victim_birth if rng.random() < 0.8 else None,
            estimated_age=None if rng.random() < 0.8 else age,
            sex="P" if female else "L",
            domicile_kelurahan_id=kelurahan_id,
            safe_to_call=None if child else rng.random() < 0.6,
            violence_types=violence,
        )
        if victim.birth_date is None and victim.estimated_age is None:
            victim.estimated_age = age
        persons = [victim]
        if child:
            persons.append(
                PersonSpec(
                    roles=["reporter"],
                    name=f"Contoh Pelapor {number:03d}",
                    phone=f"0813000{number:05d}",
                    estimated_age=rng.randint(28, 55),
                    sex="P",
                    safe_to_call=True,
                )
            )
        persons.append(
            PersonSpec(
                roles=["perpetrator"],
                name=f"Contoh Pelaku {number:03d}",
                estimated_age=rng.randint(18, 60),
                sex="L" if rng.random() < 0.9 else "P",
            )
        )
        relation_code = _pick(rng, CHILD_RELATIONS if child else ADULT_RELATIONS)
        status = _status_for(rng, age_days)
        spec = CaseSpec(
            agency_id=agency.pk,
            reported_at=reported_at,
            occurred_on=occurred_on,
            persons=persons,
            status=status,
            risk="TINGGI" if rng.random() < 0.2 else "TIDAK_TINGGI",
            intake_channel=_pick(rng, CHANNELS),
            place_category=_pick(rng, PLACES),
            incident_kelurahan_id=kelurahan_id,
            is_kdrt=relation_code in {"ORANG_TUA", "KELUARGA", "SUAMI_ISTRI"},
            is_tpks=case_type in {"SEKSUAL", "PORNOGRAFI"},
            chronology=f"Contoh kronologi kasus demo nomor {number:03d} (fiktif).",
            local_case_type=case_type,
            is_restricted=rng.random() < 0.02,
            relation=(0, len(persons) - 1, relation_code),
            services=[(reported_on, "PENGADUAN", agency.pk)]
            + ([(reported_on + timedelta(days=3), rng.choice(SERVICES[1:]), agency.pk)] if age_days > 3 else []),
            legal_steps=[(reported_on + timedelta(days=1), "LAPORAN_POLISI")] if spec_reports(rng, case_type) else [],
            assigned_membership_ids=caseworkers.get(agency_code, [])[:1],
        )
        _work_through(spec, number=number, today=today, agency_code=agency_code, caseworkers=caseworkers)
        # Some UPTD cases were referred to the police (full) or a hospital (limited).
        if agency_code == "uptd-ppa" and status != CaseStatus.ARCHIVED and rng.random() < 0.15:
            receiver = "polres-ppa" if rng.random() < 0.7 else "rsud-depok"
            level = Access.FULL if receiver == "polres-ppa" else Access.LIMITED
            if receiver in agencies:
                spec.grants.append((agencies[receiver].group_id, level))
        specs.append(spec)
    return specs


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _work_through(spec: CaseSpec, *, number: int, today: date, agency_code: str, caseworkers) -> None:
    """Make the case's clocks, history, plan and tasks agree with its status,
    services and legal steps — as the services would have written them."""
    rng = random.Random(number * 7919)  # noqa: S311 - demo data; apart from the main draws
    now = timezone.now()
    if agency_code == "uptd-ppa" and (number in HIGH_RISK_WAITING or number in TPKS_UNREPORTED):
        hours = HIGH_RISK_WAITING.get(number) or TPKS_UNREPORTED[number]
        spec.reported_at = now - timedelta(hours=hours)
        spec.occurred_on = timezone.localtime(spec.reported_at).date() - timedelta(days=1)
        spec.legal_steps = []
        if number in HIGH_RISK_WAITING:
            spec.risk, spec.status, spec.services = "TINGGI", CaseStatus.OPEN, []
        else:
            spec.is_tpks, spec.local_case_type, spec.status = True, "SEKSUAL", CaseStatus.ASSESSMENT
            for person in spec.persons:
                if "victim" in person.roles:
                    person.violence_types = ["SEKSUAL"]
            reported_on = timezone.localtime(spec.reported_at).date()
            spec.services = [(reported_on, "PENGADUAN", spec.agency_id)]
    reported_on = timezone.localtime(spec.reported_at).date()
    path_index = next((i for i, (_name, status) in enumerate(PATH) if status == spec.status), -1)
    # History: one step every few days from the report up to the status (never in the future).
    history = [("", CaseStatus.DRAFT, "create", spec.reported_at, "")]
    when, previous = spec.reported_at, CaseStatus.DRAFT
    span = max((now - spec.reported_at).total_seconds(), 3600)
    step_gap = timedelta(seconds=span / (path_index + 2))
    for name, status in PATH[: path_index + 1]:
        when = min(when + (timedelta(hours=1) if name == "open" else step_gap), now)
        history.append((previous, status, name, when, REASONS.get(name, "")))
        previous = status
    spec.history = history
    # First response: the first service given, or the start of the assessment.
    starts = [changed for _f, _t, name, changed, _r in history if name == "start_assessment"]
    if spec.services:
        first_service = min(day for day, _code, _provider in spec.services)
        starts.append(max(_at(first_service, 9), spec.reported_at))
    spec.first_response_at = min(starts) if starts else None
    police = [day for day, code in spec.legal_steps if code == "LAPORAN_POLISI"]
    spec.police_reported_on = min(police) if police else None
    if path_index >= 1:
        spec.plan = (
            rng.choice(ASSESSMENTS),
            rng.choice(PLANS) if spec.status != CaseStatus.ASSESSMENT else "",
        )
    owners = caseworkers.get(agency_code, [])
    if spec.status in _ACTIVE and owners:
        titles = rng.sample(TASK_TITLES, rng.randint(2, 3))
        for index, title in enumerate(titles):
            # Some overdue, some due this week, one done already.
            due = today + timedelta(days=rng.choice([-6, -3, -1, 1, 2, 4, 9]))
            done = _at(today - timedelta(days=1), 10) if index == 2 else None
            spec.tasks.append(TaskSpec(title=title, owner_id=owners[0], due_on=due, done_at=done))


def spec_reports(rng: random.Random, case_type: str) -> bool:
    return rng.random() < (0.6 if case_type == "SEKSUAL" else 0.25)


def seed(stdout) -> None:
    codes = [code for code, _share in AGENCY_SHARES] + ["rsud-depok"]
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
    if not all(code in agencies for code, _share in AGENCY_SHARES):
        stdout.write("Cases: demo agencies missing, no cases seeded.")
        return
    if Case.objects.filter(agency__in=agencies.values()).exists():
        stdout.write("Cases: demo cases already present.")
        return
    caseworkers: dict[str, list[int]] = {}
    for membership in Membership.objects.filter(agency__in=agencies.values(), role=Role.CASEWORKER, is_active=True):
        caseworkers.setdefault(membership.agency.code, []).append(membership.pk)
    kecamatan = list(Kecamatan.objects.prefetch_related("kelurahan").order_by("code"))
    specs = demo_specs(today=timezone.localdate(), agencies=agencies, kecamatan=kecamatan, caseworkers=caseworkers)
    # Inserted in the order they were reported, as real cases are: ids and
    # register numbers then follow time, and the newest-first list reads right.
    specs.sort(key=lambda spec: spec.reported_at)
    ids = seed_cases(specs=specs)
    stdout.write(f"Cases: {len(ids)} fictional cases over two years.")
