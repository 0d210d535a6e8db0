from django import template
from django.conf import settings

from accounts import sessions

register = template.Library()


@register.inclusion_tag("accounts/includes/session_warning.html", takes_context=True)
def session_warning(context):
    """The idle-expiry warning that static/js/session.js shows (signed-in pages only)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(user is not None and user.is_authenticated and hasattr(request, "session"))
    return {
        "show": show,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "seconds_left": sessions.seconds_left(request) if show else 0,
        "warning_seconds": sessions.WARNING_SECONDS,
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
    }
