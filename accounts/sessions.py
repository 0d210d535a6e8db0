"""Browser session lifetimes: idle, absolute, and the per-person boundary.

Three stamps live in the session (epoch seconds):

- ``SIGNED_IN_AT``: when the password was accepted; the absolute 12-hour
  limit (``SESSION_COOKIE_AGE``) counts from it and is never extended.
- ``LAST_ACTIVE_AT``: the last request that counts as activity. Every request
  counts — a page, a form post, an autosave — except a background poll, which
  announces itself with the header ``X-Background-Poll: 1`` (see
  ``is_background_poll``). Later code needs nothing else: any POST counts.
- ``VALID_FROM``: compared with ``AccountState.sessions_valid_after``; a
  session that began before the person's boundary is over.
"""

from django.conf import settings

from accounts import clock
from accounts.models import AccountState

SIGNED_IN_AT = "_acct_signed_in_at"
LAST_ACTIVE_AT = "_acct_last_active_at"
VALID_FROM = "_acct_valid_from"

# How long before idle expiry the page warns (static/js/session.js).
WARNING_SECONDS = 120
# Activity is written at most once a minute, so a burst of requests (or an
# autosave every few seconds) is one session write, not one each.
_TOUCH_GRANULARITY = 60

BACKGROUND_POLL_HEADER = "HTTP_X_BACKGROUND_POLL"


def is_background_poll(request) -> bool:
    """A request a page makes by itself (a counter, a status check): it never
    keeps a session alive. Send ``X-Background-Poll: 1`` from such code."""
    return request.META.get(BACKGROUND_POLL_HEADER) == "1"


def session_start(request) -> None:
    """Stamp a freshly signed-in session (called on ``user_logged_in``)."""
    now = clock.epoch()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVE_AT] = now
    request.session[VALID_FROM] = now


def session_touch(request, *, force: bool = False) -> None:
    """Count this request as activity (``force``: write it now, e.g. "Stay signed in")."""
    now = clock.epoch()
    last = request.session.get(LAST_ACTIVE_AT) or 0
    if force or now - last >= _TOUCH_GRANULARITY:
        request.session[LAST_ACTIVE_AT] = now


def session_revalidate(request, *, boundary) -> None:
    """Keep *this* session across the boundary the person just moved
    (password change): the other sessions end, this one carries on."""
    request.session[VALID_FROM] = max(clock.epoch(), boundary.timestamp() + 0.001)


def session_end_reason(request, *, boundary) -> str | None:
    """Why the current session is over, or None. ``boundary`` is the person's
    ``sessions_valid_after`` (a datetime or None)."""
    session = request.session
    now = clock.epoch()
    signed_in_at = session.get(SIGNED_IN_AT)
    last_active_at = session.get(LAST_ACTIVE_AT)
    valid_from = session.get(VALID_FROM)
    if signed_in_at is None or last_active_at is None or valid_from is None:
        # A session made without our sign-in: not ours to honour.
        return "unknown"
    if boundary is not None and valid_from <= boundary.timestamp():
        return "ended"
    if now - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return "absolute"
    if now - last_active_at >= settings.SESSION_IDLE_SECONDS:
        return "idle"
    return None


def seconds_left(request) -> int:
    """Seconds until this session ends, by idle or absolute limit."""
    now = clock.epoch()
    idle_left = (request.session.get(LAST_ACTIVE_AT) or now) + settings.SESSION_IDLE_SECONDS - now
    absolute_left = (request.session.get(SIGNED_IN_AT) or now) + settings.SESSION_COOKIE_AGE - now
    return max(0, int(min(idle_left, absolute_left)))


def account_state_for(user_id: int) -> AccountState:
    state, _ = AccountState.objects.get_or_create(user_id=user_id)
    return state


def boundary_for(user_id: int):
    return AccountState.objects.filter(user_id=user_id).values_list("sessions_valid_after", flat=True).first()
