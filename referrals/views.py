"""The referral pages. Thin: each view passes the referral gate (or the case
gate, to draft one), validates a form, calls one service or selector, and
renders.

Every page is for signed-in users (else the sign-in page) acting for a
membership (else 403, audited); a referral the caller may not see answers 404
exactly like a missing one, and the attempt is audited
(``referral.access_denied``); a forbidden step on a visible referral is 403.
"""

import re
import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from agencies.models import Role
from audit.services import audit_request
from cases import selectors as case_selectors
from cases.selectors import CaseAction, CaseActionForbidden, CaseNotVisible
from cases.services import CaseStateError, Origin, StaleVersion
from referrals import notifications, pdf, selectors, services
from referrals.forms import AssigneeForm, CommentsForm, OutcomeForm, ReasonForm, ReferralForm
from referrals.models import ACTIVE_GRANT_STATES, ReferralStatus
from referrals.selectors import ReferralNotVisible
from referrals.services import EDITABLE_STATES, WITHDRAWABLE_STATES

S = ReferralStatus
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _audit_denied(request, *, target_type: str, target_id: int, reason: str) -> None:
    with transaction.atomic():
        audit_request(
            request,
            action=f"{target_type}.access_denied",
            target_type=target_type,
            target_id=target_id,
            details={
                "route": request.resolver_match.url_name if request.resolver_match else "",
                "method": request.method,
                "reason": reason,
            },
        )


def _render(request, template: str, context: dict):
    """Render a referral page with the counts of its tabs (two queries)."""
    context["referral_counts"] = selectors.nav_counts(membership=request.membership)
    return render(request, template, context)


def _forbidden(request, message: str = ""):
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


def _member_route(view):
    """Signed in and acting for a case-working membership."""

    @wraps(view)
    def wrapper(request, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None:
            return render(request, "agencies/no_membership.html", status=403)
        if not membership.works_cases:
            return _forbidden(request, _("Referrals are worked by caseworkers and supervisors."))
        return view(request, **kwargs)

    return login_required(wrapper)


def _referral_route(methods=("GET",)):
    """Signed in, acting for a membership, through the referral gate; the
    view gets ``referral``. The method is checked after the gate."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, referral_id: int, **kwargs):
            if getattr(request, "membership", None) is None:
                _audit_denied(request, target_type="referral", target_id=referral_id, reason="no_membership")
                return render(request, "agencies/no_membership.html", status=403)
            try:
                referral = selectors.referral_get(membership=request.membership, referral_id=referral_id)
                if request.method not in methods:
                    return HttpResponseNotAllowed(methods)
                return view(request, referral=referral, **kwargs)
            except (ReferralNotVisible, CaseNotVisible):
                _audit_denied(request, target_type="referral", target_id=referral_id, reason="not_visible")
                raise Http404 from None
            except CaseActionForbidden:
                return _forbidden(request)

        return login_required(sensitive_post_parameters()(wrapper))

    return decorate


# --- lists --------------------------------------------------------------------------------


@_member_route
def incoming(request):
    membership = request.membership
    return _render(
        request,
        "referrals/list.html",
        {
            "tab": "incoming",
            "title": _("Incoming referrals"),
            "referrals": selectors.incoming_referrals(membership=membership),
            "ended": selectors.incoming_referrals(membership=membership, open_only=False, limit=20),
            "now": timezone.now(),
        },
    )


@_member_route
def outgoing(request):
    return _render(
        request,
        "referrals/list.html",
        {
            "tab": "outgoing",
            "title": _("Outgoing referrals"),
            "referrals": selectors.outgoing_referrals(membership=request.membership),
            "now": timezone.now(),
        },
    )


@_member_route
def approvals(request):
    if request.membership.role != Role.SUPERVISOR:
        return _forbidden(request, _("Only a supervisor approves referrals."))
    return _render(
        request,
        "referrals/list.html",
        {
            "tab": "approvals",
            "title": _("Referrals awaiting your approval"),
            "referrals": selectors.approval_queue(membership=request.membership),
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
@_member_route
def notification_list(request):
    membership = request.membership
    if request.method == "POST":
        notifications.mark_read(membership_id=membership.pk)
        return redirect("referrals:notifications")
    items = selectors.notifications_for(membership=membership)
    return _render(
        request,
        "referrals/notifications.html",
        {"items": [(item, notifications.notification_text(item)) for item in items]},
    )


@require_http_methods(["POST"])
@_member_route
def notification_open(request, notification_id: int):
    """Mark one of the caller's own notifications read and go to its referral
    (another membership's notification id is a 404)."""
    item = request.membership.notifications.filter(pk=notification_id).first()
    if item is None:
        raise Http404
    notifications.mark_read(membership_id=request.membership.pk, notification_id=item.pk)
    return redirect("referrals:detail", referral_id=item.referral_id)


# --- drafting -------------------------------------------------------------------------------


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@_member_route
def create(request, case_id: int):
    membership = request.membership
    try:
        case, _access = case_selectors.case_get(membership=membership, case_id=case_id, action=CaseAction.CHANGE)
    except CaseNotVisible:
        _audit_denied(request, target_type="case", target_id=case_id, reason="not_visible")
        raise Http404 from None
    except CaseActionForbidden:
        return _forbidden(request, _("Only the agency that owns the case refers it."))
    form = ReferralForm(request.POST or None, case=case)
    # A token per form: a double submit (or a resent POST) finds the draft the
    # first one made instead of making a second.
    token = request.POST.get("request_token", "") if request.method == "POST" else uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        try:
            referral, _created = services.referral_create(
                actor=membership,
                case_id=case.pk,
                data=form.to_input(),
                idempotency_key=f"page:{token}" if _TOKEN.fullmatch(token) else None,
                origin=Origin.of(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except CaseStateError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The referral was saved as a draft. Submit it for approval when ready."))
            return redirect("referrals:detail", referral_id=referral.pk)
    return _render(
        request,
        "referrals/form.html",
        {"form": form, "case": case, "title": _("Refer case"), "submit": _("Save draft"), "request_token": token},
    )


@_referral_route(methods=("GET", "POST"))
def edit(request, referral):
    membership = request.membership
    if (
        selectors.side_of(membership=membership, referral=referral) != "sender"
        or referral.status not in EDITABLE_STATES
    ):
        return _forbidden(request, _("Only a draft or a returned referral can be edited, by the sending agency."))
    form = ReferralForm(request.POST or None, case=referral.case, initial=ReferralForm.initial_for(referral))
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
                actor=membership,
                referral_id=referral.pk,
                data=form.to_input(),
                expected_version=_version(request),
                origin=Origin.of(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except StaleVersion:
            form.add_error(None, STALE_MESSAGE)
        except CaseStateError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The referral was saved."))
            return redirect("referrals:detail", referral_id=referral.pk)
    return _render(
        request,
        "referrals/form.html",
        {"form": form, "case": referral.case, "referral": referral, "title": _("Edit referral"), "submit": _("Save")},
    )


STALE_MESSAGE = gettext_lazy(
    "Someone else changed this referral while you were editing it. Your changes were not saved; "
    "they are still in the form below. Check the referral, then save again."
)


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = {"to_agency_id": "to_agency", "assignee_id": "assignee"}.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- the referral page -------------------------------------------------------------------------

STEP_LABELS = {
    "submit": gettext_lazy("Submit for approval"),
    "approve": gettext_lazy("Approve and send"),
    "return": gettext_lazy("Return with comments"),
    "withdraw": gettext_lazy("Withdraw"),
    "accept": gettext_lazy("Accept"),
    "decline": gettext_lazy("Decline"),
    "start": gettext_lazy("Start services"),
    "complete": gettext_lazy("Complete"),
    "assign": gettext_lazy("Assign to a caseworker"),
}
STEP_INTROS = {
    "return": gettext_lazy("The referral goes back to its author with your comments."),
    "withdraw": gettext_lazy("The referral ends. If the receiving agency had access to the case, it ends now."),
    "accept": gettext_lazy("Your agency takes the referral; the caseworker you choose works it."),
    "decline": gettext_lazy("The sending agency is told that you declined, with your reason."),
    "complete": gettext_lazy("Record what was done. Your agency's access to the case ends now."),
    "assign": gettext_lazy("Choose who in your agency works this referral."),
}
STEP_FORMS = {"return": CommentsForm, "withdraw": ReasonForm, "decline": ReasonForm, "complete": OutcomeForm}


def available_steps(*, membership, referral) -> list[str]:
    side = selectors.side_of(membership=membership, referral=referral)
    supervisor = membership.role == Role.SUPERVISOR
    steps = []
    if side == "sender":
        if referral.status in EDITABLE_STATES:
            steps.append("submit")
        if referral.status == S.SUBMITTED and supervisor:
            steps += ["approve", "return"]
        if referral.status in WITHDRAWABLE_STATES and not (
            referral.is_transfer and referral.status in ACTIVE_GRANT_STATES
        ):
            steps.append("withdraw")
    else:
        if referral.status == S.SENT:
            steps += ["accept", "decline"]
        if referral.status == S.ACCEPTED and not referral.access_ended_at:
            steps.append("start")
        if referral.status in ACTIVE_GRANT_STATES:
            steps.append("complete")
            if supervisor:
                steps.append("assign")
    return steps


@_referral_route()
def detail(request, referral):
    membership = request.membership
    visible = selectors.content_visible(membership=membership, referral=referral)
    side = selectors.side_of(membership=membership, referral=referral)
    case_level = case_selectors.case_access(membership=membership, case_id=referral.case_id)
    facts = (
        selectors.case_facts(case=referral.case, level=selectors.receiver_level(referral))
        if visible and side == "receiver"
        else None
    )
    with transaction.atomic():
        if visible:
            audit_request(
                request,
                action="referral.viewed",
                target_type="referral",
                target_id=referral.pk,
                details={"case_id": referral.case_id, "person_ids": facts["person_ids"] if facts else []},
            )
        context = {
            "referral": referral,
            "side": side,
            "content": visible,
            "facts": facts,
            "services": list(referral.requested_services.order_by("position")) if visible else [],
            "events": selectors.referral_events(referral=referral),
            "steps": [
                (name, STEP_LABELS[name], name in STEP_FORMS or name in ("accept", "assign"))
                for name in available_steps(membership=membership, referral=referral)
            ],
            "editable": side == "sender" and referral.status in EDITABLE_STATES,
            "case_link": case_level is not None,
            "overdue": referral.is_overdue_at(timezone.now()),
        }
    return _render(request, "referrals/detail.html", context)


@_referral_route(methods=("GET", "POST"))
def step(request, referral, step_name: str):
    membership = request.membership
    if step_name not in STEP_LABELS:
        raise Http404
    if step_name not in available_steps(membership=membership, referral=referral):
        return _forbidden(request, _("This step is not open to you in the referral's current status."))
    form_class = STEP_FORMS.get(step_name)
    if step_name in ("accept", "assign"):
        form = AssigneeForm(
            request.POST or None,
            membership=membership,
            required=step_name == "assign" or membership.role == Role.SUPERVISOR,
            initial={"assignee": membership.pk if membership.role == Role.CASEWORKER else None},
        )
    else:
        form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _apply_step(request, referral, step_name, form)
        except ValidationError as error:
            if form is None:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("referrals:detail", referral_id=referral.pk)
            _add_errors(form, error)
        except CaseStateError as error:
            messages.error(request, error.message)
            return redirect("referrals:detail", referral_id=referral.pk)
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": STEP_LABELS[step_name]})
            return redirect("referrals:detail", referral_id=referral.pk)
    if form is None:
        # Steps without input are buttons on the referral page.
        return redirect("referrals:detail", referral_id=referral.pk)
    return _render(
        request,
        "referrals/step.html",
        {
            "referral": referral,
            "form": form,
            "title": STEP_LABELS[step_name],
            "intro": STEP_INTROS.get(step_name, ""),
            "danger": step_name in ("withdraw", "decline"),
        },
    )


def _apply_step(request, referral, step_name: str, form) -> None:
    common = {"actor": request.membership, "referral_id": referral.pk, "origin": Origin.of(request)}
    data = form.cleaned_data if form is not None else {}
    if step_name == "submit":
        services.referral_submit(**common)
    elif step_name == "approve":
        services.referral_approve(**common)
    elif step_name == "return":
        services.referral_return(**common, comments=data["comments"])
    elif step_name == "withdraw":
        services.referral_withdraw(**common, reason=data["reason"])
    elif step_name == "accept":
        assignee = data.get("assignee")
        services.referral_accept(**common, assignee_id=assignee.pk if assignee else None)
    elif step_name == "decline":
        services.referral_decline(**common, reason=data["reason"])
    elif step_name == "start":
        services.referral_start(**common)
    elif step_name == "complete":
        services.referral_complete(**common, outcome=data["outcome"])
    elif step_name == "assign":
        services.referral_assign(**common, assignee_id=data["assignee"].pk)


@_referral_route()
def letter(request, referral):
    """The printable referral letter: only what the receiving agency's level
    allows, and only while the content may be read."""
    membership = request.membership
    if referral.sent_at is None:
        return _forbidden(request, _("A referral letter exists once the referral was sent."))
    if not selectors.content_visible(membership=membership, referral=referral):
        return _forbidden(request, _("This referral has ended: only its dates and status are kept."))
    facts = selectors.case_facts(case=referral.case, level=selectors.receiver_level(referral))
    with transaction.atomic():
        audit_request(
            request,
            action="referral.letter_printed",
            target_type="referral",
            target_id=referral.pk,
            details={"case_id": referral.case_id, "person_ids": facts["person_ids"]},
        )
        document = pdf.referral_letter(referral=referral, facts=facts)
    response = HttpResponse(document, content_type="application/pdf")
    # The file name carries the referral id only: never a name or a register number.
    response["Content-Disposition"] = f'inline; filename="referral-{referral.pk}.pdf"'
    return response


def case_referrals_url(case_id: int) -> str:
    return reverse("referrals:create", kwargs={"case_id": case_id})
