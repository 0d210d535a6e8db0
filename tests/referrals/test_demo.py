import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_seeds_referrals_in_every_state_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    count = Referral.objects.count()
    call_command("seed_demo", stdout=out)
    assert Referral.objects.count() == count
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    overdue = [r for r in Referral.objects.all() if r.is_overdue_at(timezone.now())]
    assert len(overdue) >= 2
    assert Referral.objects.filter(to_agency__code="puspaga-harmoni").exists()
    assert Referral.objects.filter(escalation__isnull=False).count() == 1
    assert "Referrals: 13." in out.getvalue()
