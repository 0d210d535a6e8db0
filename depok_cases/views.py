from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from depok_cases.home import home_panels_for


@login_required
def home(request):
    """What the signed-in person can do now, for their active role."""
    panels = home_panels_for(request)
    return render(request, "home.html", {"panels": panels})


@never_cache
def health(request):
    """For compose and load balancers: is the database there, is the broker there."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(value in {"ok", "eager"} for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", **checks}, status=200 if healthy else 503)


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "fail"


def _broker_ok() -> str:
    if not settings.REDIS_URL:
        return "eager"
    try:
        from depok_cases.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        cache.get("health-probe")
        return "ok"
    except Exception:
        return "fail"
