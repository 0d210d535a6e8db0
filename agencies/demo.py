"""Depok's network for the demo: the agencies of the design, by code."""

from agencies.models import Agency, AgencyKind

# (code, name, kind, parent code, receives referrals)
DEMO_AGENCIES = [
    ("dp3ap2kb", "DP3AP2KB Kota Depok", AgencyKind.CITY_OFFICE, None, False),
    ("uptd-ppa", "UPTD PPA Kota Depok", AgencyKind.SERVICE_UNIT, "dp3ap2kb", True),
    ("puspaga-harmoni", "Puspaga Harmoni", AgencyKind.PROGRAM, "dp3ap2kb", True),
    ("polres-ppa", "Unit PPA Satreskrim Polres Metro Depok", AgencyKind.POLICE, None, True),
    ("rsud-depok", "RSUD Kota Depok", AgencyKind.HEALTH, None, True),
    ("dinsos-depok", "Dinas Sosial Kota Depok", AgencyKind.SOCIAL, None, True),
    ("forum-anak", "Forum Anak Kota Depok", AgencyKind.FORUM, "dp3ap2kb", False),
    ("forum-genre", "Forum Genre Kota Depok", AgencyKind.FORUM, None, False),
    ("kemenko-pmk", "Kemenko PMK", AgencyKind.MINISTRY, None, False),
    ("kemenpppa", "KemenPPPA", AgencyKind.MINISTRY, None, False),
]


def seed(stdout) -> None:
    for code, name, kind, parent_code, receives in DEMO_AGENCIES:
        parent = Agency.objects.get(code=parent_code) if parent_code else None
        agency = Agency.objects.filter(code=code).first() or Agency(code=code)
        agency.name, agency.kind, agency.parent, agency.receives_referrals = name, kind, parent, receives
        agency.save()
    stdout.write(f"Agencies: {len(DEMO_AGENCIES)}.")
