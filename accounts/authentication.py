"""API authentication: a membership's token, or the browser session with a
verified second factor. Both leave ``request.membership`` (and
``request.memberships``) set on the Django request, so the rest of the code
reads the acting agency the same way for pages and API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, get_authorization_header

from accounts import clock
from accounts.models import AccountState, ApiToken
from accounts.services import TOKEN_PREFIX, token_hash
from accounts.two_factor import second_factor_satisfied

_KEYWORDS = (b"bearer", b"token")
# last_used_at is written at most this often per token.
_LAST_USED_GRANULARITY_SECONDS = 300


class MembershipTokenAuthentication:
    """``Authorization: Bearer dpk_…`` (or ``Token dpk_…``). The token acts for
    its one membership; it stops working when revoked, expired, when the
    membership, agency or account is deactivated, or when the person's
    sessions were ended after it was made."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in _KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not secret.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = (
            ApiToken.objects.select_related("membership__agency", "membership__user")
            .filter(token_hash=token_hash(secret))
            .first()
        )
        now = clock.now()
        if token is None or not token.is_active_at(now) or not token.membership.is_usable:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        membership = token.membership
        boundary = (
            AccountState.objects.filter(user_id=membership.user_id)
            .values_list("sessions_valid_after", flat=True)
            .first()
        )
        if boundary is not None and token.created_at <= boundary:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > _LAST_USED_GRANULARITY_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        django_request = request._request
        django_request.membership = membership
        django_request.memberships = [membership]
        django_request.api_token = token
        return (membership.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, acting for the session's active membership — only
    once the second factor was given (when it is required)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = request._request.user
        # Required outside demo mode; in demo mode, required of whoever set one up.
        if not second_factor_satisfied(user):
            return None
        return result
