from rest_framework.permissions import BasePermission


class HasActiveMembership(BasePermission):
    """Every API call acts for one membership: the token's, or the session's active one."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and getattr(request._request, "membership", None))
