from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.forms import SignInForm, SwitchMembershipForm
from agencies.middleware import SESSION_KEY
from audit.services import audit_request


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@require_POST
def switch_membership(request):
    """Act through another of one's own memberships (chosen in the header)."""
    form = SwitchMembershipForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    chosen = next((m for m in request.memberships if m.pk == form.cleaned_data["membership"]), None)
    if chosen is None:
        return HttpResponseBadRequest()
    previous = request.membership
    with transaction.atomic():
        request.session[SESSION_KEY] = chosen.pk
        request.membership = chosen
        audit_request(
            request,
            action="membership.switch",
            target_type="membership",
            target_id=chosen.pk,
            details={"from_membership": previous.pk if previous else None},
        )
    return redirect("home")
