"""Resolve the active membership: the agency and role a person acts through.

A person may belong to several agencies and acts for one at a time. The choice
lives in the session (the API's token carries its own membership). Everything
downstream reads ``request.membership``, never ``user.groups``.
"""

from django.db import transaction
from django.shortcuts import render

from agencies.selectors import usable_memberships
from audit.services import audit_request

SESSION_KEY = "active_membership_id"

# Paths a signed-in person without a usable membership may still reach.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/health/", "/accounts/", "/admin/", "/api/")


# A refused look at one of these is audited like an outsider's.
_AUDITED_TARGETS = (("case_id", "case"), ("referral_id", "referral"))


def _audit_refusal(request, *, target_type: str, target_id) -> None:
    with transaction.atomic():
        audit_request(
            request,
            action=f"{target_type}.access_denied",
            target_type=target_type,
            target_id=target_id,
            details={"route": request.resolver_match.url_name, "method": request.method, "reason": "no_membership"},
        )


class ActiveMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = usable_memberships(user=request.user)
        request.membership = _pick(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Refused here rather than in __call__ so the URL is resolved: a look
        # at a case by someone acting for no agency is audited like any other.
        if (
            request.user.is_authenticated
            and request.membership is None
            and not request.user.is_staff
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            for kwarg, target_type in _AUDITED_TARGETS:
                if kwarg in view_kwargs:
                    _audit_refusal(request, target_type=target_type, target_id=view_kwargs[kwarg])
                    break
            response = render(request, "agencies/no_membership.html", status=403)
            response["Cache-Control"] = "no-store"
            return response
        return None


def _pick(request):
    if not request.memberships:
        return None
    chosen_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for membership in request.memberships:
        if membership.pk == chosen_id:
            return membership
    first = request.memberships[0]
    request.session[SESSION_KEY] = first.pk
    return first
