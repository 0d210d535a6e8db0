"""Intake pages: start, the draft (form, save, submit), autosave, discard,
and "same person as" suggestions. Thin: the rules live in ``cases.intake``
and ``cases.forms_intake``.

Every route needs a signed-in person acting for a membership whose role works
cases (others: 403). A draft belongs to its membership only: anyone else's
draft answers 404, exactly like a missing one. Search values (name, NIK,
phone) travel in POST bodies only, never in URLs.
"""

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import CASE_ROLES
from cases import intake
from cases.forms_intake import (
    CONSENT_ERROR_FIELDS,
    IntakeChoices,
    IntakeForms,
    draft_fields_from_post,
    identities,
    persons_from_post,
)
from cases.services import Origin

_ADD_ACTIONS = {"add:victim": "victim", "add:perpetrator": "perpetrator", "add:other": "other"}
_START_TOKEN = "start_token"


def _intake_route(view):
    """Signed in, acting for a membership that works cases; a draft that is
    not the caller's is a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None:
            return render(request, "agencies/no_membership.html", status=403)
        if membership.role not in CASE_ROLES:
            return render(request, "cases/intake/forbidden.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except intake.DraftNotFound:
            raise Http404 from None

    return login_required(sensitive_post_parameters()(wrapper))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _revision(request) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def _saved_message() -> str:
    return _("Draft saved at %(time)s.") % {"time": formats.time_format(timezone.localtime(), "TIME_FORMAT")}


# --- pages ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_intake_route
def intake_start(request):
    """GET: an empty intake form, and the person's unfinished drafts.
    POST: start a draft from what was typed (the first autosave, or a form
    sent before any autosave), then act as the draft page would."""
    choices = IntakeChoices()
    if request.method == "GET":
        data = intake.new_draft_data()
        return _render(
            request, draft=None, data=data, choices=choices, drafts=intake.drafts_for(membership=request.membership)
        )
    persons = persons_from_post(request.POST, intake.new_draft_data()["persons"])
    data = {**intake.new_draft_data(), "persons": persons}
    data["fields"] = draft_fields_from_post(request.POST, persons, choices)
    draft = intake.draft_create(membership=request.membership, data=data, origin=Origin.of(request))
    if _wants_json(request):
        return JsonResponse({**_draft_urls(draft), "revision": draft.revision, "message": _saved_message()})
    token = request.POST.get(_START_TOKEN, "")
    start_key = f"intake-start:{token}" if len(token) == 32 and token.isalnum() else None
    return _act(
        request, draft=draft, data=data, choices=choices, revision=draft.revision, start_key=start_key, fresh=True
    )


@require_http_methods(["GET", "POST"])
@_intake_route
def intake_draft(request, draft_id: int):
    """GET: the draft as last saved. POST: save it (and add or remove a
    person, or submit it)."""
    draft = intake.draft_get(membership=request.membership, draft_id=draft_id)
    if draft.submitted_case_id:
        messages.info(request, _("This draft was submitted: here is its case."))
        return redirect("cases:detail", case_id=draft.submitted_case_id)
    choices = IntakeChoices()
    if request.method == "GET":
        return _render(request, draft=draft, data=intake.draft_data(draft), choices=choices)
    persons = persons_from_post(request.POST, intake.draft_data(draft)["persons"])
    data = {**intake.new_draft_data(), "persons": persons}
    data["fields"] = draft_fields_from_post(request.POST, persons, choices)
    return _act(request, draft=draft, data=data, choices=choices, revision=_revision(request))


def _act(request, *, draft, data, choices, revision, start_key=None, fresh=False):
    """Carry out the form's button: save, add or remove a person, or submit.
    ``fresh``: the draft was made from this very POST (nothing to save again)."""
    action = request.POST.get("action", "save")
    if action == "submit":
        return _submit(request, draft=draft, data=data, choices=choices, revision=revision, start_key=start_key)
    anchor = ""
    if action in _ADD_ACTIONS and len(data["persons"]) < intake.MAX_PERSONS:
        key = intake.next_person_key(data["persons"])
        data["persons"].append({"key": key, "kind": _ADD_ACTIONS[action]})
        anchor = f"#person-{key}"
    elif action.startswith("remove:"):
        key = action.split(":", 1)[1]
        data["persons"] = [person for person in data["persons"] if person["key"] != key]
        anchor = "#persons"
    if not fresh or anchor:
        try:
            draft = intake.draft_save(membership=request.membership, draft_id=draft.pk, revision=revision, data=data)
        except intake.DraftStale:
            return _render(request, draft=draft, data=data, choices=choices, stale=True, status=409)
        except intake.DraftAlreadySubmitted as submitted:
            return redirect("cases:detail", case_id=submitted.case_id)
    if not anchor:
        messages.success(request, _saved_message())
    return redirect(reverse("cases:intake_draft", kwargs={"draft_id": draft.pk}) + anchor)


def _submit(request, *, draft, data, choices, revision, start_key):
    matches = intake.person_matches(
        membership=request.membership,
        identities=identities(IntakeForms(data=data, choices=choices)),
        origin=Origin.of(request),
    )
    forms_ = IntakeForms(data=data, choices=choices, bound=True, matches=matches)
    if forms_.is_valid():
        try:
            case, created = intake.draft_submit(
                membership=request.membership,
                draft_id=draft.pk,
                revision=revision,
                submission=forms_.submission(),
                idempotency_key=start_key,
                origin=Origin.of(request),
            )
        except intake.DraftStale:
            return _render(request, draft=draft, data=data, choices=choices, forms_=forms_, stale=True, status=409)
        except intake.ConsentRefused as refused:
            consent = forms_.consent_of(refused.victim)
            _add_service_errors(forms_, consent, refused.error)
        except ValidationError as error:
            _add_service_errors(forms_, None, error)
        else:
            if created:
                messages.success(request, _("Case %(number)s was registered.") % {"number": case.register_number})
            else:
                messages.info(request, _("This intake was already submitted: here is its case."))
            return redirect("cases:detail", case_id=case.pk)
    # Refused: keep everything typed in the draft, and show it again with the errors.
    try:
        draft = intake.draft_save(membership=request.membership, draft_id=draft.pk, revision=revision, data=data)
    except intake.DraftStale:
        return _render(request, draft=draft, data=data, choices=choices, forms_=forms_, stale=True, status=409)
    except intake.DraftAlreadySubmitted as submitted:
        return redirect("cases:detail", case_id=submitted.case_id)
    return _render(request, draft=draft, data=data, choices=choices, forms_=forms_)


def _add_service_errors(forms_: IntakeForms, consent, error: ValidationError) -> None:
    """Errors the services raised on submit: next to the consent field they
    name, or at the top of the form."""
    for name, messages_ in getattr(error, "message_dict", {"": error.messages}).items():
        field_name = CONSENT_ERROR_FIELDS.get(name)
        if consent is not None and field_name in consent.fields:
            for message in messages_:
                consent.add_error(field_name, message)
        else:
            forms_.non_field_errors.extend(messages_)


def _render(request, *, draft, data, choices, forms_=None, drafts=None, stale=False, status=200):
    if forms_ is None:
        matches = {}
        if draft is not None:
            matches = intake.person_matches(
                membership=request.membership,
                identities=identities(IntakeForms(data=data, choices=choices)),
                origin=Origin.of(request),
            )
        forms_ = IntakeForms(data=data, choices=choices, matches=matches)
    forms_.for_display()
    context = {
        "draft": draft,
        "forms": forms_,
        "revision": draft.revision if draft is not None else "",
        "drafts": drafts or [],
        "stale": stale,
        "start_token": secrets.token_hex(16) if draft is None else "",
        "urls": _draft_urls(draft) if draft is not None else {"start": reverse("cases:intake_start")},
    }
    return render(request, "cases/intake/form.html", context, status=status)


def _draft_urls(draft) -> dict:
    kwargs = {"draft_id": draft.pk}
    return {
        "draft_id": draft.pk,
        "start": reverse("cases:intake_start"),
        "draft": reverse("cases:intake_draft", kwargs=kwargs),
        "autosave": reverse("cases:intake_autosave", kwargs=kwargs),
        "matches": reverse("cases:intake_matches", kwargs=kwargs),
        "discard": reverse("cases:intake_discard", kwargs=kwargs),
    }


# --- script endpoints -------------------------------------------------------------------


@require_POST
@_intake_route
def intake_autosave(request, draft_id: int):
    """Save the draft from static/js/intake.js. It is the person's own work,
    so it counts as activity for the session (no X-Background-Poll)."""
    draft = intake.draft_get(membership=request.membership, draft_id=draft_id)
    choices = IntakeChoices()
    persons = persons_from_post(request.POST, intake.draft_data(draft)["persons"])
    data = {**intake.new_draft_data(), "persons": persons}
    data["fields"] = draft_fields_from_post(request.POST, persons, choices)
    try:
        draft = intake.draft_save(
            membership=request.membership, draft_id=draft_id, revision=_revision(request), data=data
        )
    except intake.DraftStale:
        return JsonResponse({"error": "stale", "message": stale_message()}, status=409)
    except intake.DraftAlreadySubmitted as submitted:
        return JsonResponse(
            {
                "error": "submitted",
                "message": _("This draft was already submitted."),
                "case_url": reverse("cases:detail", kwargs={"case_id": submitted.case_id}),
            },
            status=409,
        )
    return JsonResponse({"revision": draft.revision, "message": _saved_message()})


def stale_message() -> str:
    return _(
        "This draft was saved from another window or tab after you opened it, so your changes here were "
        "not saved. They are still on this page: save them as a new draft, or open the latest version."
    )


@require_POST
@_intake_route
def intake_matches(request, draft_id: int):
    """For one person of the draft: "same person as" candidates and the NIK
    check, as HTML fragments for the person's card. Values come in the body."""
    draft = intake.draft_get(membership=request.membership, draft_id=draft_id)
    choices = IntakeChoices()
    key = request.POST.get("person", "")
    persons = persons_from_post(request.POST, intake.draft_data(draft)["persons"])
    person = next((entry for entry in persons if entry["key"] == key), None)
    if person is None:
        return JsonResponse({"error": "person"}, status=400)
    data = {"persons": [person], "fields": draft_fields_from_post(request.POST, [person], choices)}
    probe = IntakeForms(data=data, choices=choices)
    matches = intake.person_matches(
        membership=request.membership, identities=identities(probe), origin=Origin.of(request)
    )
    forms_ = IntakeForms(data=data, choices=choices, matches=matches)
    form = forms_.persons[0]
    return JsonResponse(
        {
            "matches": render_to_string("cases/intake/_matches.html", {"person": form}, request=request),
            "nik": render_to_string("cases/intake/_nik.html", {"person": form}, request=request),
        }
    )


@require_http_methods(["GET", "POST"])
@_intake_route
def intake_discard(request, draft_id: int):
    """GET: ask. POST: delete the draft and everything typed in it."""
    draft = intake.draft_get(membership=request.membership, draft_id=draft_id)
    if draft.submitted_case_id:
        return redirect("cases:detail", case_id=draft.submitted_case_id)
    if request.method == "GET":
        data = intake.draft_data(draft)
        return render(request, "cases/intake/discard.html", {"draft": draft, "summary": intake.draft_summary(data)})
    intake.draft_discard(membership=request.membership, draft_id=draft.pk, origin=Origin.of(request))
    messages.success(request, _("The draft was discarded."))
    return redirect("cases:intake_start")
