"""The case list, the case page and its workflow pages. Thin: each view
passes the gate, validates a form, calls one service (``cases.services``,
``cases.workflow``) or selector, and renders.

Every page about a case goes through ``_case_route``: signed in (else the
sign-in page), acting for a membership (else 403, audited), and through the
gate — a case the caller may not see answers 404 exactly like a missing one,
and the attempt is audited (``case.access_denied``); a forbidden action on a
visible case answers 403. Search values travel in POST bodies only.
"""

import math
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from agencies.models import CASE_ROLES, Role
from audit.services import audit_request
from cases import attachments, selectors, services, workflow
from cases.deadlines import case_deadlines
from cases.forms import (
    PAGE_SIZE,
    AssignForm,
    CaseEditForm,
    CaseFilterForm,
    CaseSearchForm,
    ConsentForm,
    ConsentWithdrawForm,
    LegalStepForm,
    NoteForm,
    PlanForm,
    RestrictionForm,
    ServiceForm,
    TaskForm,
    TransitionForm,
)
from cases.grants import Access
from cases.models import CaseStatus, CaseTask, Consent, PartyRole, is_child_at_incident
from cases.selectors import (
    ACTION_MIN_ACCESS,
    CaseAction,
    CaseActionForbidden,
    CaseFilters,
    CaseNotVisible,
    SearchKind,
)
from cases.serializers import group_parties
from cases.services import CaseStateError, Origin, StaleVersion

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this case while you were editing it. Your changes were not saved; "
    "they are still in the form below. Check the case page, then save again."
)


def _audit_denied(request, case_id: int, *, reason: str) -> None:
    with transaction.atomic():
        audit_request(
            request,
            action="case.access_denied",
            target_type="case",
            target_id=case_id,
            details={
                "route": request.resolver_match.url_name if request.resolver_match else "",
                "method": request.method,
                "reason": reason,
            },
        )


def _forbidden(request, message: str = ""):
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


def _case_route(methods=("GET", "POST")):
    """Signed in, acting for a membership, through the gate; the view gets
    ``case`` and ``access``. The method is checked after the gate, so an
    outsider learns nothing from a 405 either."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, case_id: int, **kwargs):
            if getattr(request, "membership", None) is None:
                _audit_denied(request, case_id, reason="no_membership")
                return render(request, "agencies/no_membership.html", status=403)
            try:
                case, access = selectors.case_get(membership=request.membership, case_id=case_id)
                if request.method not in methods:
                    return HttpResponseNotAllowed(methods)
                return view(request, case=case, access=access, **kwargs)
            except CaseNotVisible:
                _audit_denied(request, case_id, reason="not_visible")
                raise Http404 from None
            except CaseActionForbidden:
                return _forbidden(request)

        return login_required(sensitive_post_parameters()(wrapper))

    return decorate


def _require(access: Access, action: CaseAction) -> None:
    if access < ACTION_MIN_ACCESS[action]:
        raise CaseActionForbidden


def _require_supervisor(request, access: Access) -> None:
    if access != Access.OWNER or request.membership.role != Role.SUPERVISOR:
        raise CaseActionForbidden


def _error_into(form, error: Exception) -> None:
    """A service's refusal, next to the field it is about (else on top)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    elif isinstance(error, CaseStateError):
        form.add_error(None, error.message)
    elif isinstance(error, StaleVersion):
        form.add_error(None, STALE_MESSAGE)


def _form_page(request, case, form, *, title: str, submit: str, intro: str = "", danger: bool = False, extra=None):
    context = {"case": case, "form": form, "title": title, "submit": submit, "intro": intro, "danger": danger}
    return render(request, "cases/form_page.html", {**context, **(extra or {})})


def _back(case):
    return redirect("cases:detail", case_id=case.pk)


# --- the list -----------------------------------------------------------------------


def _case_worker_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None:
            return render(request, "agencies/no_membership.html", status=403)
        if membership.role not in CASE_ROLES:
            return _forbidden(request, _("Only caseworkers and supervisors work with cases."))
        return view(request, *args, **kwargs)

    return login_required(sensitive_post_parameters()(wrapper))


def _filters_from(form: CaseFilterForm) -> CaseFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return CaseFilters(
        status=data.get("status") or None,
        risk=data.get("risk") or None,
        violence_type=data.get("violence_type") or None,
        kecamatan=data.get("kecamatan") or None,
        assigned_to_me=bool(data.get("assigned_to_me")),
        overdue=bool(data.get("overdue")),
        reported_from=data.get("reported_from"),
        reported_to=data.get("reported_to"),
    )


@_case_worker_only
def case_list(request):
    """GET: the cases of the active membership, filtered by codes in the query
    string. POST: a search (register number, NIK, phone, exact name) whose
    value stays in the body, paged by buttons of the same form."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    membership = request.membership
    filter_form = CaseFilterForm(request.GET or None)
    search_form = CaseSearchForm(request.POST or None) if request.method == "POST" else CaseSearchForm()
    searching = request.method == "POST"
    page_number = 1
    with transaction.atomic():
        if searching and search_form.is_valid():
            page_number = search_form.cleaned_data.get("page") or 1
            kind = search_form.cleaned_data["kind"]
            value = search_form.cleaned_data["value"]
            offset = (page_number - 1) * PAGE_SIZE
            if kind == "register_number":
                page = selectors.case_list(
                    membership=membership, filters=CaseFilters(register_number=value), offset=offset, limit=PAGE_SIZE
                )
            else:
                page = selectors.case_search(
                    membership=membership, kind=SearchKind(kind), value=value, offset=offset, limit=PAGE_SIZE
                )
            # The term itself is never recorded: only its kind and what it found.
            audit_request(
                request,
                action="case.searched",
                target_type="case",
                details={"kind": kind, "case_ids": [c.pk for c in page.cases], "total": page.total},
            )
        elif searching:
            page = selectors.CasePage(cases=[], total=0)
        else:
            filters = _filters_from(filter_form)
            if filter_form.is_bound and filter_form.is_valid():
                page_number = filter_form.cleaned_data.get("page") or 1
            page = selectors.case_list(
                membership=membership, filters=filters, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
            audit_request(
                request,
                action="case.listed",
                target_type="case",
                details={
                    "case_ids": [c.pk for c in page.cases],
                    "total": page.total,
                    "filters": sorted(k for k, v in filters.__dict__.items() if v),
                },
            )
    violence_labels = dict(filter_form.fields["violence_type"].choices)
    now = timezone.now()
    rows = []
    for case in page.cases:
        access = page.access.get(case.pk, Access.LIMITED)
        full = access >= Access.FULL
        kelurahan = case.incident_kelurahan
        deadlines = case_deadlines(case, now=now) if full else []
        rows.append(
            {
                "case": case,
                "access": access,
                "own": case.agency_id == membership.agency_id,
                "violence": [violence_labels.get(code, code) for code in case.violence_type_codes],
                "kecamatan": kelurahan.kecamatan.name if full and kelurahan else "",
                "deadlines": deadlines,
                "overdue": any(deadline.is_overdue for deadline in deadlines),
            }
        )
    pages = max(math.ceil(page.total / PAGE_SIZE), 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "filter_form": filter_form,
            "search_form": search_form,
            "searching": searching,
            "rows": rows,
            "total": page.total,
            "page_number": page_number,
            "pages": pages,
            "page_range": _page_range(page_number, pages),
            "query": query.urlencode(),
            "filtered": any(_filters_from(filter_form).__dict__.values()) if not searching else False,
            "first_shown": (page_number - 1) * PAGE_SIZE + 1 if rows else 0,
            "last_shown": (page_number - 1) * PAGE_SIZE + len(rows),
        },
    )


def _page_range(current: int, pages: int) -> list[int | None]:
    """Page numbers around the current one, with None for a gap."""
    wanted = sorted({1, pages, *range(max(current - 2, 1), min(current + 2, pages) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - shown[-1] > 1:
            shown.append(None)
        shown.append(number)
    return shown


# --- the case page --------------------------------------------------------------------


def _person_views(case, parties, access: Access) -> list[dict]:
    """Each person as the reader's level allows (the rules of
    ``cases.serializers.PersonSerializer``)."""
    labels = {}
    for party in parties:
        person = party.person
        labels[party.pk] = person.name if access >= Access.CONTACT and person.name else person.initials
    people = []
    for group in group_parties(parties):
        person = group[0].person
        victim = next((p for p in group if p.role == PartyRole.VICTIM), None)
        view = {
            "id": person.pk,
            "roles": [p.get_role_display() for p in group],
            "is_victim": victim is not None,
            "is_perpetrator": any(p.role == PartyRole.PERPETRATOR for p in group),
            "initials": person.initials or "—",
            "age": person.age_on(case.incident_date),
            "age_estimated": person.birth_date is None and person.estimated_age is not None,
            "is_child": is_child_at_incident(person=person, case=case),
            "sex": person.sex.label if person.sex else "",
            "violence": [item.label for item in victim.violence_types.all()] if victim else [],
        }
        if access >= Access.CONTACT:
            view.update(
                name=person.name,
                safety={
                    "call": person.safe_to_call,
                    "message": person.safe_to_message,
                    "visit": person.safe_to_visit,
                },
                safety_notes=person.contact_safety_notes,
                **selectors.usable_contact_details(person=person, access=access),
            )
        if access >= Access.FULL:
            view.update(
                nik=person.nik,
                birth_date=person.birth_date,
                details=[
                    item.label
                    for item in (person.education, person.occupation, person.marital_status, person.religion)
                    if item is not None
                ],
                disability=(person.disability_kind.label if person.disability_kind else _("Yes"))
                if person.has_disability
                else "",
                domicile=person.domicile_kelurahan.name if person.domicile_kelurahan else "",
                relations=[
                    {"perpetrator": labels.get(rel.perpetrator_id, "—"), "relationship": rel.relationship.label}
                    for rel in (victim.perpetrator_relations.all() if victim else [])
                ],
            )
        people.append(view)
    # Victims first: the page is about them.
    return sorted(people, key=lambda view: not view["is_victim"])


@_case_route(methods=("GET",))
def case_detail(request, case, access):
    membership = request.membership
    full, owner = access >= Access.FULL, access == Access.OWNER
    with transaction.atomic():
        selectors.case_with_references(case=case)
        parties = selectors.case_parties(case=case)
        given = selectors.case_services(case=case)
        context = {
            "case": case,
            "access": access,
            "case_access": access,
            "level": access.name.lower(),
            "full": full,
            "owner": owner,
            "contact": access >= Access.CONTACT,
            "people": _person_views(case, parties, access),
            "services": given,
            "history": selectors.case_history(case=case),
            "deadlines": case_deadlines(case) if full else [],
            "notes": selectors.case_notes(case=case) if full else [],
            "consents": selectors.case_consents(case=case) if full else [],
            "legal_steps": selectors.case_legal_steps(case=case) if full else [],
            "attachments": attachments.attachment_list(case=case, access=access),
            "assignees": selectors.case_assignees(case=case) if owner else [],
            "plan": workflow.case_plan(case=case) if owner else None,
            "tasks": workflow.case_tasks(case=case) if owner else [],
            "actions": workflow.case_actions(case=case, membership=membership, access=access),
            "viewers": workflow.case_viewers(membership=membership, case=case, access=access)
            if workflow.may_see_viewers(membership=membership, access=access)
            else None,
            "victim_ids": {party.pk for party in parties if party.role == PartyRole.VICTIM},
        }
        audit_request(
            request,
            action=workflow.CASE_READ_ACTION,
            target_type="case",
            target_id=case.pk,
            details={"person_ids": sorted({p.person_id for p in parties}), "level": access.name.lower(), "page": True},
        )
    return render(request, "cases/detail.html", context)


# --- the case's own fields -------------------------------------------------------------


@_case_route()
def case_edit(request, case, access):
    _require(access, CaseAction.CHANGE)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    selectors.case_with_references(case=case)
    if request.method == "GET":
        form = CaseEditForm(initial=CaseEditForm.initial_for(case))
    else:
        form = CaseEditForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(
                    actor=request.membership,
                    case_id=case.pk,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                    origin=Origin.of(request),
                )
            except StaleVersion as error:
                form = _stale_form(CaseEditForm, request.POST, case.version, error)
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The case was saved."))
                return _back(case)
    return _form_page(
        request,
        case,
        form,
        title=_("Edit the case"),
        submit=_("Save the case"),
        extra={"layout": "edit"},
    )


def _stale_form(form_class, post, current_version: int, error, **kwargs):
    """The form again with what the person typed, now based on the current
    version (so saving again is a deliberate overwrite), and the message."""
    data = post.copy()
    data["version"] = str(current_version)
    form = form_class(data, **kwargs)
    form.is_valid()
    _error_into(form, error)
    return form


@_case_route()
def case_restriction(request, case, access):
    _require_supervisor(request, access)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    if request.method == "GET":
        form = RestrictionForm(initial={"version": case.version, "is_restricted": case.is_restricted})
    else:
        form = RestrictionForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(
                    actor=request.membership,
                    case_id=case.pk,
                    expected_version=form.cleaned_data["version"],
                    changes={"is_restricted": form.cleaned_data["is_restricted"]},
                    origin=Origin.of(request),
                )
            except StaleVersion as error:
                form = _stale_form(RestrictionForm, request.POST, case.version, error)
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The restriction of the case was saved."))
                return _back(case)
    return _form_page(
        request,
        case,
        form,
        title=_("Restrict the case"),
        submit=_("Save"),
        intro=_(
            "Restrict a case when the alleged perpetrator is staff, police or an official. "
            "Other caseworkers of your agency then no longer see it; assigned caseworkers and supervisors do."
        ),
    )


@_case_route()
def case_assign(request, case, access):
    _require_supervisor(request, access)
    members = workflow.task_owner_choices(case=case)
    current = selectors.case_assignee_ids(case=case)
    if request.method == "GET":
        form = AssignForm(initial={"caseworkers": current}, members=members)
    else:
        form = AssignForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.case_assign(
                    actor=request.membership,
                    case_id=case.pk,
                    membership_ids=form.cleaned_data["caseworkers"],
                    origin=Origin.of(request),
                )
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The assignment was saved."))
                return _back(case)
    return _form_page(
        request,
        case,
        form,
        title=_("Assign caseworkers"),
        submit=_("Save the assignment"),
        intro=_("The assigned caseworkers see the case in their home queue."),
    )


# --- the workflow ------------------------------------------------------------------------


@_case_route()
def case_transition(request, case, access, transition: str):
    step = services.TRANSITIONS.get(transition)
    if step is None:
        raise Http404
    _require(access, CaseAction.CHANGE)
    choice = next(
        (
            s
            for s in workflow.allowed_steps(case=case, membership=request.membership, access=access)
            if s.name == transition
        ),
        None,
    )
    if choice is None:
        if step.supervisor_only and request.membership.role != Role.SUPERVISOR:
            raise CaseActionForbidden
        messages.error(request, _("This step is not possible in the case's current status."))
        return _back(case)
    if request.method == "GET":
        form = TransitionForm(initial={"version": case.version}, needs_reason=step.needs_reason)
    else:
        form = TransitionForm(request.POST, needs_reason=step.needs_reason)
        if form.is_valid():
            try:
                services.case_transition(
                    actor=request.membership,
                    case_id=case.pk,
                    transition=transition,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                    origin=Origin.of(request),
                )
            except StaleVersion as error:
                form = _stale_form(TransitionForm, request.POST, case.version, error, needs_reason=step.needs_reason)
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("Done: %(step)s.") % {"step": choice.label})
                return _back(case)
    if not step.needs_reason:
        del form.fields["reason"]
    return _form_page(
        request,
        case,
        form,
        title=choice.label,
        submit=choice.label,
        intro=choice.description,
        danger=transition in ("archive", "return_closure"),
    )


@_case_route()
def case_plan(request, case, access):
    _require(access, CaseAction.CHANGE)
    if not workflow.may_edit_plan(case):
        raise CaseActionForbidden
    plan = workflow.case_plan(case=case)
    version = plan.version if plan else 0
    if request.method == "GET":
        initial = {"version": version}
        if plan:
            initial.update(assessment=plan.assessment, intervention_plan=plan.intervention_plan)
        form = PlanForm(initial=initial)
    else:
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                workflow.plan_save(
                    actor=request.membership,
                    case_id=case.pk,
                    expected_version=form.cleaned_data["version"],
                    assessment=form.cleaned_data["assessment"],
                    intervention_plan=form.cleaned_data["intervention_plan"],
                    origin=Origin.of(request),
                )
            except StaleVersion as error:
                form = _stale_form(PlanForm, request.POST, version, error)
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The assessment and plan were saved."))
                return _back(case)
    return _form_page(request, case, form, title=_("Assessment and intervention plan"), submit=_("Save the plan"))


@_case_route()
def task_add(request, case, access):
    _require(access, CaseAction.CHANGE)
    if not workflow.may_edit_plan(case):
        raise CaseActionForbidden
    members = workflow.task_owner_choices(case=case)
    if request.method == "GET":
        default_owner = request.membership.pk if request.membership.role == Role.CASEWORKER else None
        form = TaskForm(initial={"owner": default_owner}, members=members)
    else:
        form = TaskForm(request.POST, members=members)
        if form.is_valid():
            try:
                _task, created = workflow.task_add(
                    actor=request.membership,
                    case_id=case.pk,
                    title=form.cleaned_data["title"],
                    owner_id=form.cleaned_data["owner"],
                    due_on=form.cleaned_data["due_on"],
                    origin=Origin.of(request),
                )
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The task was added.") if created else _("This task was already added."))
                return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#tasks")
    return _form_page(
        request,
        case,
        form,
        title=_("Add a task"),
        submit=_("Add the task"),
        intro=_("The task appears in its owner's home queue until it is done."),
    )


@_case_route()
def task_done(request, case, access, task_id: int):
    _require(access, CaseAction.CHANGE)
    task = CaseTask.objects.filter(case=case, pk=task_id).select_related("owner__user").first()
    if task is None:
        raise Http404
    if task.done_at is not None or case.status == CaseStatus.ARCHIVED:
        return _back(case)
    form = TransitionForm(request.POST or None, initial={"version": case.version})
    del form.fields["version"]
    del form.fields["reason"]
    if request.method == "POST":
        try:
            workflow.task_complete(
                actor=request.membership, case_id=case.pk, task_id=task.pk, origin=Origin.of(request)
            )
        except CaseStateError as error:
            _error_into(form, error)
        else:
            messages.success(request, _("The task is done."))
            return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#tasks")
    return _form_page(
        request,
        case,
        form,
        title=_("Mark the task done"),
        submit=_("Mark done"),
        extra={"task": task},
    )


# --- records under a case ----------------------------------------------------------------


@_case_route()
def service_add(request, case, access):
    _require(access, CaseAction.ADD_SERVICE)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    parties = selectors.case_parties(case=case)
    options = {"parties": parties, "show_names": access >= Access.CONTACT, "with_notes": access >= Access.FULL}
    if request.method == "GET":
        form = ServiceForm(initial={"given_on": timezone.localdate()}, **options)
    else:
        form = ServiceForm(request.POST, **options)
        if form.is_valid():
            try:
                services.service_add(
                    actor=request.membership,
                    case_id=case.pk,
                    victim_party_id=form.cleaned_data["victim"],
                    given_on=form.cleaned_data["given_on"],
                    service_type=form.cleaned_data["service_type"],
                    notes=form.cleaned_data.get("notes", ""),
                    origin=Origin.of(request),
                )
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The service was recorded."))
                return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#services")
    return _form_page(request, case, form, title=_("Record a service"), submit=_("Record the service"))


@_case_route()
def note_add(request, case, access):
    _require(access, CaseAction.ADD_NOTE)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_add(
                actor=request.membership, case_id=case.pk, body=form.cleaned_data["body"], origin=Origin.of(request)
            )
        except (ValidationError, CaseStateError) as error:
            _error_into(form, error)
        else:
            messages.success(request, _("The note was added."))
            return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#notes")
    return _form_page(request, case, form, title=_("Add a note"), submit=_("Add the note"))


@_case_route()
def legal_step_add(request, case, access):
    _require(access, CaseAction.ADD_LEGAL_STEP)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    if request.method == "GET":
        form = LegalStepForm(initial={"occurred_on": timezone.localdate()})
    else:
        form = LegalStepForm(request.POST)
        if form.is_valid():
            try:
                services.legal_step_add(
                    actor=request.membership,
                    case_id=case.pk,
                    step=form.cleaned_data["step"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    notes=form.cleaned_data["notes"],
                    origin=Origin.of(request),
                )
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The legal step was recorded."))
                return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#legal")
    return _form_page(
        request,
        case,
        form,
        title=_("Record a legal step"),
        submit=_("Record the step"),
        intro=_("Recording the police report stops the TPKS 3×24-hour clock."),
    )


_CONSENT_FIELDS = {"victim_party_id": "victim", "given_by_person_id": "given_by"}


@_case_route()
def consent_add(request, case, access):
    _require(access, CaseAction.CHANGE)
    if case.status == CaseStatus.ARCHIVED:
        raise CaseActionForbidden
    parties = selectors.case_parties(case=case)
    if request.method == "GET":
        form = ConsentForm(initial={"given_on": timezone.localdate()}, parties=parties)
    else:
        form = ConsentForm(request.POST, parties=parties)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_record(
                    actor=request.membership,
                    case_id=case.pk,
                    victim_party_id=data["victim"],
                    given_by_person_id=data["given_by"],
                    given_by_capacity=data["given_by_capacity"],
                    purpose=data["purpose"],
                    agency_kinds=data["agency_kinds"],
                    disclosure_level=data["disclosure_level"],
                    given_on=data["given_on"],
                    notes=data["notes"],
                    origin=Origin.of(request),
                )
            except ValidationError as error:
                renamed = {_CONSENT_FIELDS.get(k, k): v for k, v in error.message_dict.items()}
                _error_into(form, ValidationError(renamed))
            except CaseStateError as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The consent was recorded."))
                return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#consent")
    return _form_page(
        request,
        case,
        form,
        title=_("Record consent"),
        submit=_("Record the consent"),
        intro=_(
            "An adult victim consents personally; for a child, a parent or guardian does. "
            "The alleged perpetrator never gives consent."
        ),
    )


@_case_route()
def consent_withdraw(request, case, access, consent_id: int):
    _require(access, CaseAction.CHANGE)
    consent = Consent.objects.filter(case=case, pk=consent_id).select_related("given_by").first()
    if consent is None:
        raise Http404
    if consent.withdrawn_on is not None or case.status == CaseStatus.ARCHIVED:
        return _back(case)
    if request.method == "GET":
        form = ConsentWithdrawForm(initial={"withdrawn_on": timezone.localdate()})
    else:
        form = ConsentWithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.consent_withdraw(
                    actor=request.membership,
                    case_id=case.pk,
                    consent_id=consent.pk,
                    withdrawn_on=form.cleaned_data["withdrawn_on"],
                    origin=Origin.of(request),
                )
            except (ValidationError, CaseStateError) as error:
                _error_into(form, error)
            else:
                messages.success(request, _("The withdrawal of consent was recorded."))
                return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#consent")
    return _form_page(
        request,
        case,
        form,
        title=_("Record that consent was withdrawn"),
        submit=_("Record the withdrawal"),
        intro=_("When no consent to referral remains, every access other agencies hold on the case ends at once."),
        danger=True,
        extra={"consent": consent},
    )
