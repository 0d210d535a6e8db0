"""Agency accounts: agency admins manage their own agency's people,
administrators everyone's. Reach is decided in accounts.access; a person out
of reach is a 404 (audited), an action out of reach on a visible person 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, clock, selectors, services, two_factor
from accounts.forms import ActiveForm, MembershipAddForm, PersonCreateForm, RoleForm
from agencies.models import Agency, Membership


def _meta(request) -> dict:
    return services.request_meta(request)


def _acting(request):
    return getattr(request, "membership", None)


def _back(person):
    return redirect("accounts:person_detail", user_id=person.pk)


@login_required
@require_GET
def agency_people(request):
    agency_id = access.managed_agency_id(request)
    agencies = None
    if agency_id is None:  # administrators may narrow the list to one agency
        agencies = Agency.objects.order_by("name")
        chosen = request.GET.get("agency", "")
        agency_filter = int(chosen) if chosen.isdigit() else None
    else:
        agency_filter = agency_id
    people = selectors.people_for_agency(agency_id=agency_filter)
    context = {
        "people": people,
        "agency": _acting(request).agency if _acting(request) else None,
        "agencies": agencies,
        "agency_filter": agency_filter,
    }
    return render(request, "accounts/people_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    agency_id = access.managed_agency_id(request)
    form = PersonCreateForm(request.POST or None, agencies=selectors.agencies_for_choice(agency_id=agency_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person, temporary = services.person_create(
                actor=request.user,
                acting=_acting(request),
                agency=data["agency"],
                role=data["role"],
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                request_meta=_meta(request),
            )
        except services.AccountError as error:
            form.add_error("username", str(error))
        else:
            return render(
                request, "accounts/temporary_password.html", {"person": person, "password": temporary, "created": True}
            )
    return render(request, "accounts/person_create.html", {"form": form})


@login_required
@require_GET
def person_detail(request, user_id: int):
    person = access.person_for_manager(request, user_id)
    agency_id = access.managed_agency_id(request)
    memberships = selectors.memberships_shown(person=person, agency_id=agency_id)
    context = {
        "person": person,
        "memberships": [
            {
                "membership": m,
                "role_form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"),
                "can_change": access.can_manage_membership(request, m),
            }
            for m in memberships
        ],
        "can_manage_account": access.can_manage_account(request, person),
        "is_administrator_view": agency_id is None,
        "has_second_factor": two_factor.has_second_factor(person),
        "tokens": selectors.tokens_for(user=person, agency_id=agency_id),
        "last_sign_in": selectors.last_sign_in(user=person),
        "state": selectors.account_state(user=person),
        "add_form": MembershipAddForm(
            agencies=Agency.objects.filter(is_active=True)
            .exclude(pk__in=[m.agency_id for m in memberships])
            .order_by("name")
        )
        if agency_id is None
        else None,
        "now": clock.now(),
    }
    return render(request, "accounts/person_detail.html", context)


def _membership_or_404(request, person, membership_id) -> Membership:
    membership = access.membership_for_manager(request, person, membership_id)
    if not access.can_manage_membership(request, membership):
        raise PermissionDenied
    return membership


@login_required
@require_POST
def person_membership_role(request, user_id: int, membership_id: int):
    person = access.person_for_manager(request, user_id)
    membership = _membership_or_404(request, person, membership_id)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid() and form.cleaned_data["role"] != membership.role:
        services.membership_change_role(
            actor_id=request.user.pk,
            membership=membership,
            role=form.cleaned_data["role"],
            request_meta=_meta(request),
            acting=_acting(request),
        )
        messages.success(request, _("The role is changed."))
    elif not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
    return _back(person)


@login_required
@require_POST
def person_membership_active(request, user_id: int, membership_id: int):
    person = access.person_for_manager(request, user_id)
    membership = _membership_or_404(request, person, membership_id)
    form = ActiveForm(request.POST)
    if form.is_valid():
        services.membership_set_active(
            actor_id=request.user.pk,
            membership=membership,
            active=form.cleaned_data["active"],
            request_meta=_meta(request),
            acting=_acting(request),
        )
        messages.success(
            request,
            _("The membership is active again.") if form.cleaned_data["active"] else _("The membership is turned off."),
        )
    return _back(person)


@login_required
@require_POST
def person_membership_add(request, user_id: int):
    """Administrators only: add a membership in any agency to an existing account."""
    person = access.person_for_manager(request, user_id)
    if access.managed_agency_id(request) is not None:
        raise PermissionDenied
    existing = Membership.objects.filter(user=person).values_list("agency_id", flat=True)
    form = MembershipAddForm(
        request.POST, agencies=Agency.objects.filter(is_active=True).exclude(pk__in=list(existing))
    )
    if form.is_valid():
        services.membership_create(
            actor_id=request.user.pk,
            user=person,
            agency=form.cleaned_data["agency"],
            role=form.cleaned_data["role"],
            request_meta=_meta(request),
            acting=_acting(request),
        )
        messages.success(request, _("The membership is added."))
    else:
        messages.error(request, _("Choose an agency and a role."))
    return _back(person)


@login_required
@require_POST
def person_account_active(request, user_id: int):
    person = access.person_for_manager(request, user_id)
    access.require_account_manager(request, person)
    form = ActiveForm(request.POST)
    if form.is_valid():
        active = form.cleaned_data["active"]
        services.person_set_active(
            actor=request.user, acting=_acting(request), person=person, active=active, request_meta=_meta(request)
        )
        messages.success(
            request,
            _("The account is active again.")
            if active
            else _("The account is turned off. Its sessions and API tokens have ended."),
        )
    return _back(person)


@login_required
@require_POST
def person_password_reset(request, user_id: int):
    person = access.person_for_manager(request, user_id)
    access.require_account_manager(request, person)
    temporary = services.person_password_reset(
        actor=request.user, acting=_acting(request), person=person, request_meta=_meta(request)
    )
    return render(request, "accounts/temporary_password.html", {"person": person, "password": temporary})


@login_required
@require_POST
def person_two_factor_reset(request, user_id: int):
    person = access.person_for_manager(request, user_id)
    access.require_account_manager(request, person)
    services.person_two_factor_reset(
        actor=request.user, acting=_acting(request), person=person, request_meta=_meta(request)
    )
    messages.success(
        request,
        _("The second factor is removed. The person sets up a new one at their next sign-in; their sessions ended."),
    )
    return _back(person)
