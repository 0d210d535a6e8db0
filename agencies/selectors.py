from agencies.models import Agency, Membership


def usable_memberships(*, user) -> list[Membership]:
    """The memberships ``user`` may act through now: active, in an active agency."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True, agency__is_active=True)
        .select_related("agency")
        .order_by("agency__name", "id")
    )


def referral_receiving_agencies():
    return Agency.objects.filter(is_active=True, receives_referrals=True)
