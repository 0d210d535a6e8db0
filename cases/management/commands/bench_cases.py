"""Benchmark the access gate on a skewed PostgreSQL database (not a test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/depok_bench \\
        python manage.py bench_cases --cases 1000000

Seeds N cases over 100 agencies (the largest holds 40%, the rest on a Zipf
curve; 5% of cases granted to another agency; 1% restricted) through the one
bulk seeder, then times — for a caseworker of the largest agency and of a
small one — the API's server time (view, serializer and audit write) for the
first page of the case list with its total, a filtered list, a case detail
and a NIK search, beside the same first page with total done by guardian's
``get_objects_for_user`` where every case is a grant (rows under a codename
of the benchmark's own, ``bench_view_case``, held by a yardstick group per
agency that the benchmark's users join; the gate never reads them).
Run again with ``--skip-seed`` to measure only. Prints no personal data
(the data is fictional anyway).
"""

import os
import platform
import random
import statistics
import time
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIRequestFactory, force_authenticate

from agencies.models import Agency, AgencyKind, Kelurahan, Membership, Role
from cases import api
from cases.grants import Access, guardian_visible_cases
from cases.models import Case, CaseStatus
from cases.seeding import CaseSpec, PersonSpec, seed_cases
from cases.selectors import case_list

AGENCIES = 100
LARGEST_SHARE = 0.40
YARDSTICK = "bench_view_case"
STATUSES = [s for s in CaseStatus.values if s != CaseStatus.DRAFT]
VIOLENCE = ["FISIK", "PSIKIS", "SEKSUAL", "PENELANTARAN", "EKSPLOITASI"]


def agency_weights(count: int) -> list[float]:
    rest = [1 / (i**0.8) for i in range(1, count)]
    scale = (1 - LARGEST_SHARE) / sum(rest)
    return [LARGEST_SHARE] + [w * scale for w in rest]


def nik_for(number: int) -> str:
    return f"3276{number:012d}"


class Command(BaseCommand):
    help = "Seed N skewed cases (unless --skip-seed) and time the gate against guardian's get_objects_for_user."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--skip-seed", action="store_true")

    def handle(self, *args, cases: int, runs: int, batch_size: int, skip_seed: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_cases measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        agencies = self._agencies()
        people = self._people(agencies)
        if not skip_seed:
            self._seed(cases, agencies, batch_size)
        self._vacuum()
        total = Case.objects.count()
        self.stdout.write(f"\n{total} cases; {self._machine()}")
        small = agencies[len(agencies) // 2]
        for label, agency in (("largest agency", agencies[0]), (f"small agency ({agency_label(small)})", small)):
            self._measure(label, people[agency.pk], runs)

    # --- setup ------------------------------------------------------------------

    def _agencies(self) -> list[Agency]:
        found = []
        for i in range(AGENCIES):
            code = f"bench-{i:03d}"
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                agency = Agency(
                    code=code, name=f"Bench agency {i:03d}", kind=AgencyKind.SERVICE_UNIT, receives_referrals=True
                )
                agency.save()
            found.append(agency)
        return found

    def _people(self, agencies: list[Agency]) -> dict[int, Membership]:
        User = get_user_model()
        people = {}
        for agency in (agencies[0], agencies[len(agencies) // 2]):
            user, _ = User.objects.get_or_create(username=f"bench.caseworker.{agency.code}")
            membership, _ = Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": Role.CASEWORKER}
            )
            # For guardian's yardstick only: the agency's group (its real
            # grants) and the agency's yardstick group (every case it owns).
            user.groups.add(agency.group, yardstick_group(agency))
            people[agency.pk] = membership
        return people

    def _seed(self, count: int, agencies: list[Agency], batch_size: int) -> None:
        Permission.objects.get_or_create(
            codename=YARDSTICK,
            content_type=ContentType.objects.get_for_model(Case),
            defaults={"name": "Benchmark yardstick (every case as a guardian grant)"},
        )
        kelurahan = list(Kelurahan.objects.values_list("id", flat=True))
        start = time.perf_counter()
        offset = Case.objects.count()

        def report(done: int) -> None:
            elapsed = time.perf_counter() - start
            self.stdout.write(f"  seeded {done}/{count} in {elapsed:.0f} s")

        seed_cases(specs=self._specs(count, offset, agencies, kelurahan), batch_size=batch_size, progress=report)
        self.stdout.write(f"Seeding {count} cases took {time.perf_counter() - start:.0f} s.")

    def _specs(self, count: int, offset: int, agencies: list[Agency], kelurahan: list[int]):
        rng = random.Random(offset)  # noqa: S311 - benchmark data
        weights = agency_weights(len(agencies))
        yardsticks = {agency.pk: yardstick_group(agency).pk for agency in agencies}
        today = timezone.localdate()
        for n in range(offset, offset + count):
            agency = rng.choices(agencies, weights=weights)[0]
            reported_on = today - timedelta(days=rng.randint(0, 3 * 365))
            reported_at = timezone.make_aware(datetime.combine(reported_on, datetime.min.time()))
            spec = CaseSpec(
                agency_id=agency.pk,
                reported_at=reported_at,
                occurred_on=reported_on,
                status=rng.choice(STATUSES),
                risk="TINGGI" if rng.random() < 0.2 else "TIDAK_TINGGI",
                incident_kelurahan_id=rng.choice(kelurahan),
                chronology=f"Kronologi contoh {n}.",
                local_case_type="FISIK",
                is_restricted=rng.random() < 0.01,
                persons=[
                    PersonSpec(
                        roles=["victim"],
                        name=f"Contoh Korban {n}",
                        nik=nik_for(n),
                        phone=f"0812{n:08d}",
                        estimated_age=rng.randint(3, 60),
                        violence_types=[rng.choice(VIOLENCE)],
                    ),
                    PersonSpec(roles=["perpetrator"], name=f"Contoh Pelaku {n}", estimated_age=40),
                ],
                relation=(0, 1, "LAINNYA"),
                extra_group_codename=(yardsticks[agency.pk], YARDSTICK),
            )
            if rng.random() < 0.05:
                other = agencies[rng.randrange(len(agencies))]
                if other.pk != agency.pk:
                    spec.grants.append((other.group_id, rng.choice([Access.LIMITED, Access.CONTACT, Access.FULL])))
            yield spec

    def _vacuum(self) -> None:
        # Index-only scans need the visibility map: what autovacuum keeps up
        # in production, done at once here.
        with connection.cursor() as cursor:
            for table in (
                "cases_case",
                "cases_person",
                "cases_party",
                "cases_casegroupobjectpermission",
                "cases_caseassignment",
                "cases_party_violence_types",
                "cases_service",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")

    def _machine(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as info:
                cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        return f"{cpu}, {os.cpu_count()} cores, {memory:.1f} GiB RAM, PostgreSQL {version}"

    # --- measuring ----------------------------------------------------------------

    def _measure(self, label: str, membership: Membership, runs: int) -> None:
        factory = APIRequestFactory()
        membership = Membership.objects.select_related("agency", "user").get(pk=membership.pk)
        user = membership.user

        def call(view, request, **kwargs):
            force_authenticate(request, user=user)
            request.membership = membership
            request.memberships = [membership]
            response = view(request, **kwargs)
            assert response.status_code in (200, 201), response.status_code
            return response

        list_view = api.CaseListCreateAPI.as_view()
        detail_view = api.CaseDetailAPI.as_view()
        search_view = api.CaseSearchAPI.as_view()
        page = case_list(membership=membership, limit=1)
        newest = page.cases[0]
        nik_number = self._victim_number(newest)
        checks = {
            "list, first page + total": lambda: call(list_view, factory.get("/api/v1/cases/")),
            "filtered list (status) + total": lambda: call(
                list_view, factory.get("/api/v1/cases/", {"status": CaseStatus.IN_SERVICE})
            ),
            "case detail": lambda: call(detail_view, factory.get(f"/api/v1/cases/{newest.pk}/"), case_id=newest.pk),
            "NIK search": lambda: call(
                search_view,
                factory.post("/api/v1/cases/search/", {"kind": "nik", "value": nik_for(nik_number)}, format="json"),
            ),
        }
        gate_selector = lambda: case_list(membership=membership)  # noqa: E731

        def guardian_selector():
            visible = guardian_visible_cases(user=user, codename=YARDSTICK)
            return list(visible.order_by("-id")[:25]), visible.count()

        results = {name: timed(check, runs) for name, check in checks.items()}
        gate = timed(gate_selector, runs)
        guardian = timed(guardian_selector, max(runs // 4, 5))
        self.stdout.write(f"\n{label}: {page.total} visible cases (caseworker)")
        self.stdout.write(f"  {'':34} {'median ms':>10} {'p95 ms':>10}")
        for name, (median, p95) in results.items():
            self.stdout.write(f"  {name:34} {median:10.1f} {p95:10.1f}")
        self.stdout.write(f"  {'gate selector: page + total':34} {gate[0]:10.1f} {gate[1]:10.1f}")
        self.stdout.write(f"  {'get_objects_for_user: page + total':34} {guardian[0]:10.1f} {guardian[1]:10.1f}")
        self.stdout.write(f"  guardian / gate (median): {guardian[0] / gate[0]:.1f}x")

    def _victim_number(self, case: Case) -> int:
        name = case.persons.filter(parties__role="victim").first().name
        return int(name.rsplit(" ", 1)[1])


def yardstick_group(agency: Agency) -> Group:
    """The group holding the yardstick rows of ``agency``'s cases. Kept apart
    from the agency's own group so that the gate's grant branch, which reads
    only the agency's group, is measured on the grant rows it would meet in
    production (the owner holds no rows there)."""
    group, _created = Group.objects.get_or_create(name=f"bench-yardstick:{agency.code}")
    return group


def agency_label(agency: Agency) -> str:
    return agency.code


def timed(func, runs: int) -> tuple[float, float]:
    for _ in range(3):
        func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95
