from django.conf import settings

from depok_cases.navigation import navigation_for


def shell(request):
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    if user is None:
        return {}
    return {
        "active_membership": membership,
        "memberships": getattr(request, "memberships", []),
        "navigation": navigation_for(user=user, membership=membership),
        "demo_mode": settings.DEMO_MODE,
    }
