"""The cases API: thin views over ``cases.selectors`` and ``cases.services``.

Every route under a case goes through ``_gate``: a case the acting
membership may not see answers 404, exactly like a missing one, and the
attempt is audited (``case.access_denied``); a forbidden action on a visible
case answers 403. Reads of a case's details are audited with the person ids
shown, in the transaction that reads them. Identities travel only in request
bodies (never in URLs): searching is a POST.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_request
from cases import selectors, serializers, services
from cases.fields import keyed_digest
from cases.grants import Access
from cases.models import CaseStatus
from cases.selectors import CaseAction, CaseActionForbidden, CaseFilters, CaseNotVisible, SearchKind
from cases.services import CaseStateError, IdempotencyConflict, Origin, StaleVersion

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The case changed since you loaded it. Reload it and apply your change again.")
    default_code = "stale_version"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("Send If-Match with the ETag of the version you edited.")
    default_code = "if_match_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This is not possible in the case's current status.")
    default_code = "state_conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_conflict"


def etag_for(case) -> str:
    return f'"case-{case.pk}-v{case.version}"'


def _expected_version(request, case_id: int) -> int:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    prefix = f'"case-{case_id}-v'
    if not (value.startswith(prefix) and value.endswith('"') and value[len(prefix) : -1].isdigit()):
        raise PreconditionFailed
    return int(value[len(prefix) : -1])


def _membership(request):
    return getattr(request._request, "membership", None)


ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input"),
    403: OpenApiResponse(description="Forbidden action on a visible case"),
    404: OpenApiResponse(description="No such case (or not visible)"),
}


class CaseAPIView(APIView):
    """Base of every case route: maps the gate's and the services' answers to
    HTTP, and audits attempts on cases one may not see."""

    def permission_denied(self, request, message=None, code=None):
        # No membership, anonymous, or a superuser without one: still an
        # attempt on a case, and audited as such.
        if "case_id" in self.kwargs:
            self._audit_denied(request, reason="no_membership")
        super().permission_denied(request, message=message, code=code)

    def _audit_denied(self, request, *, reason: str) -> None:
        with transaction.atomic():
            audit_request(
                request._request,
                action="case.access_denied",
                target_type="case",
                target_id=self.kwargs.get("case_id", ""),
                details={
                    "route": request.resolver_match.url_name if request.resolver_match else "",
                    "method": request.method,
                    "reason": reason,
                },
            )

    def handle_exception(self, exc):
        if isinstance(exc, CaseNotVisible):
            self._audit_denied(self.request, reason="not_visible")
            exc = exceptions.NotFound()
        elif isinstance(exc, CaseActionForbidden):
            exc = exceptions.PermissionDenied()
        elif isinstance(exc, StaleVersion):
            exc = PreconditionFailed()
        elif isinstance(exc, CaseStateError):
            exc = Conflict(detail=exc.message)
        elif isinstance(exc, IdempotencyConflict):
            exc = Unprocessable()
        elif isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(
                detail=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            )
        return super().handle_exception(exc)

    def gate(self, request, action: CaseAction = CaseAction.VIEW):
        """(case, access) for this route's case, or CaseNotVisible / CaseActionForbidden."""
        return selectors.case_get(membership=_membership(request), case_id=self.kwargs["case_id"], action=action)

    def origin(self) -> Origin:
        return Origin.of(self.request._request)

    def audit_read(self, request, *, action: str, case, person_ids: list[int], **details) -> None:
        audit_request(
            request._request,
            action=action,
            target_type="case",
            target_id=case.pk,
            details={"person_ids": sorted(set(person_ids)), **details},
        )


def _page_number(request) -> tuple[int, int]:
    try:
        page = max(int(request.query_params.get("page", 1)), 1)
        size = min(max(int(request.query_params.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
    except ValueError:
        raise exceptions.ValidationError({"page": _("Give a whole number.")}) from None
    return page, size


def _filters(request) -> CaseFilters:
    params = request.query_params
    errors, values = {}, {}
    status_value = params.get("status") or None
    if status_value and status_value not in CaseStatus.values:
        errors["status"] = _("Unknown status.")
    for name in ("reported_from", "reported_to"):
        raw = params.get(name)
        if raw:
            try:
                from datetime import date

                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = _("Give a date as YYYY-MM-DD.")
    if errors:
        raise exceptions.ValidationError(errors)
    return CaseFilters(
        status=status_value,
        risk=params.get("risk") or None,
        violence_type=params.get("violence_type") or None,
        kecamatan=params.get("kecamatan") or None,
        assigned_to_me=params.get("assigned_to_me") in {"1", "true", "yes"},
        overdue=params.get("overdue") in {"1", "true", "yes"},
        reported_from=values.get("reported_from"),
        reported_to=values.get("reported_to"),
        register_number=params.get("register_number") or None,
    )


def _page_response(page, *, number: int, size: int) -> dict:
    context = {"access_by_case": page.access}
    return {
        "count": page.total,
        "page": number,
        "page_size": size,
        "results": [serializers.CaseListItemSerializer(context=context).to_representation(c) for c in page.cases],
    }


def _case_input(data: dict) -> services.CaseInput:
    persons = [services.PersonInput(**person) for person in data.pop("persons")]
    relations = [services.RelationInput(**relation) for relation in data.pop("relations", [])]
    return services.CaseInput(persons=persons, relations=relations, **data)


class CaseListCreateAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=CaseStatus.values),
            OpenApiParameter("risk", OpenApiTypes.STR, description="kriteria_risiko code"),
            OpenApiParameter("violence_type", OpenApiTypes.STR, description="jenis_kekerasan_simfoni code"),
            OpenApiParameter("kecamatan", OpenApiTypes.STR, description="Kemendagri code"),
            OpenApiParameter("assigned_to_me", OpenApiTypes.BOOL),
            OpenApiParameter(
                "overdue",
                OpenApiTypes.BOOL,
                description="Only cases with a legal or service deadline that has run out.",
            ),
            OpenApiParameter("reported_from", OpenApiTypes.DATE),
            OpenApiParameter("reported_to", OpenApiTypes.DATE),
            OpenApiParameter("register_number", OpenApiTypes.STR),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: serializers.CasePageSerializer},
    )
    def get(self, request):
        number, size = _page_number(request)
        filters = _filters(request)
        with transaction.atomic():
            page = selectors.case_list(
                membership=_membership(request), filters=filters, offset=(number - 1) * size, limit=size
            )
            audit_request(
                request._request,
                action="case.listed",
                target_type="case",
                details={
                    "case_ids": [case.pk for case in page.cases],
                    "total": page.total,
                    "filters": sorted(k for k, v in filters.__dict__.items() if v),
                },
            )
        return Response(_page_response(page, number=number, size=size))

    @extend_schema(
        operation_id="cases_create",
        request=serializers.CaseInSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            201: serializers.CaseDetailSerializer,
            422: OpenApiResponse(description="Key reused"),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if key is not None and (len(key) > 100 or not key.isprintable()):
            raise exceptions.ValidationError({"idempotency_key": _("Use at most 100 printable characters.")})
        incoming = serializers.CaseInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fingerprint = keyed_digest("case-create", json.dumps(request.data, sort_keys=True, default=str).encode())
        membership = _membership(request)
        case, created = services.case_create(
            actor=membership,
            data=_case_input(dict(incoming.validated_data)),
            idempotency_key=key,
            fingerprint=fingerprint if key else "",
            origin=self.origin(),
        )
        response = _detail_response(request, self, case_id=case.pk, status_code=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


def _detail_response(request, view: CaseAPIView, *, case_id: int, status_code: int = 200) -> Response:
    with transaction.atomic():
        case, access = selectors.case_get(membership=_membership(request), case_id=case_id)
        detail = {
            "case": selectors.case_with_references(case=case),
            "parties": selectors.case_parties(case=case),
            "services": selectors.case_services(case=case),
            "assignee_ids": selectors.case_assignee_ids(case=case) if access >= Access.OWNER else [],
        }
        data = serializers.CaseDetailSerializer(context={"access": access}).to_representation(detail)
        view.audit_read(
            request,
            action="case.viewed",
            case=case,
            person_ids=[party.person_id for party in detail["parties"]],
            level=access.name.lower(),
        )
    response = Response(data, status=status_code)
    response["ETag"] = etag_for(case)
    return response


class CaseSearchAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_search",
        request=serializers.SearchInSerializer,
        responses={200: serializers.CasePageSerializer},
    )
    def post(self, request):
        incoming = serializers.SearchInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        number = incoming.validated_data["page"]
        kind = SearchKind(incoming.validated_data["kind"])
        with transaction.atomic():
            page = selectors.case_search(
                membership=_membership(request),
                kind=kind,
                value=incoming.validated_data["value"],
                offset=(number - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
            # The term itself is never recorded: only its kind and what it found.
            audit_request(
                request._request,
                action="case.searched",
                target_type="case",
                details={"kind": kind.value, "case_ids": [case.pk for case in page.cases], "total": page.total},
            )
        return Response(_page_response(page, number=number, size=PAGE_SIZE))


class CaseDetailAPI(CaseAPIView):
    @extend_schema(operation_id="cases_retrieve", responses={200: serializers.CaseDetailSerializer, **ERROR_RESPONSES})
    def get(self, request, case_id: int):
        return _detail_response(request, self, case_id=case_id)

    @extend_schema(
        operation_id="cases_partial_update",
        request=serializers.CasePatchSerializer,
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        responses={
            200: serializers.CaseDetailSerializer,
            412: OpenApiResponse(description="Stale version"),
            428: OpenApiResponse(description="If-Match missing"),
            **ERROR_RESPONSES,
        },
    )
    def patch(self, request, case_id: int):
        self.gate(request, CaseAction.CHANGE)
        expected = _expected_version(request, case_id)
        incoming = serializers.CasePatchSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        services.case_update(
            actor=_membership(request),
            case_id=case_id,
            expected_version=expected,
            changes=dict(incoming.validated_data),
            origin=self.origin(),
        )
        return _detail_response(request, self, case_id=case_id)


class CaseTransitionAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_transition",
        request=serializers.TransitionInSerializer,
        responses={
            200: serializers.CaseDetailSerializer,
            409: OpenApiResponse(description="Wrong state"),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request, case_id: int):
        self.gate(request, CaseAction.CHANGE)
        incoming = serializers.TransitionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        expected = _expected_version(request, case_id) if request.headers.get("If-Match") else None
        services.case_transition(
            actor=_membership(request),
            case_id=case_id,
            transition=incoming.validated_data["transition"],
            reason=incoming.validated_data["reason"],
            expected_version=expected,
            origin=self.origin(),
        )
        return _detail_response(request, self, case_id=case_id)


class CaseAssignmentsAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_assign",
        request=serializers.AssignmentsInSerializer,
        responses={200: serializers.AssignmentsInSerializer, **ERROR_RESPONSES},
    )
    def put(self, request, case_id: int):
        self.gate(request, CaseAction.CHANGE)
        incoming = serializers.AssignmentsInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        ids = services.case_assign(
            actor=_membership(request),
            case_id=case_id,
            membership_ids=incoming.validated_data["membership_ids"],
            origin=self.origin(),
        )
        return Response({"membership_ids": ids})


class CasePersonsAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_persons_list", responses={200: serializers.PersonSerializer(many=True), **ERROR_RESPONSES}
    )
    def get(self, request, case_id: int):
        with transaction.atomic():
            case, access = self.gate(request)
            parties = selectors.case_parties(case=case)
            context = {"access": access, "case": case}
            data = [
                serializers.PersonSerializer(context=context).to_representation(group)
                for group in serializers.group_parties(parties)
            ]
            self.audit_read(
                request,
                action="case.persons_viewed",
                case=case,
                person_ids=[p.person_id for p in parties],
                level=access.name.lower(),
            )
        return Response(data)

    @extend_schema(
        operation_id="cases_persons_create",
        request=serializers.PersonInSerializer,
        responses={201: serializers.PersonSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, case_id: int):
        self.gate(request, CaseAction.CHANGE)
        incoming = serializers.PersonInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        person = services.person_add(
            actor=_membership(request),
            case_id=case_id,
            data=services.PersonInput(**incoming.validated_data),
            origin=self.origin(),
        )
        return _person_response(request, self, case_id=case_id, person_id=person.pk, status_code=201)


def _person_response(request, view: CaseAPIView, *, case_id: int, person_id: int, status_code: int = 200):
    with transaction.atomic():
        case, access = selectors.case_get(membership=_membership(request), case_id=case_id)
        parties = [party for party in selectors.case_parties(case=case) if party.person_id == person_id]
        if not parties:
            raise CaseNotVisible
        data = serializers.PersonSerializer(context={"access": access, "case": case}).to_representation(parties)
        view.audit_read(
            request, action="case.persons_viewed", case=case, person_ids=[person_id], level=access.name.lower()
        )
    response = Response(data, status=status_code)
    response["ETag"] = etag_for(case)
    return response


class CasePersonDetailAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_persons_retrieve", responses={200: serializers.PersonSerializer, **ERROR_RESPONSES}
    )
    def get(self, request, case_id: int, person_id: int):
        return _person_response(request, self, case_id=case_id, person_id=person_id)

    @extend_schema(
        operation_id="cases_persons_partial_update",
        request=serializers.PersonPatchSerializer,
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        responses={
            200: serializers.PersonSerializer,
            412: OpenApiResponse(description="Stale version"),
            428: OpenApiResponse(description="If-Match missing"),
            **ERROR_RESPONSES,
        },
    )
    def patch(self, request, case_id: int, person_id: int):
        self.gate(request, CaseAction.CHANGE)
        expected = _expected_version(request, case_id)
        incoming = serializers.PersonPatchSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        services.person_update(
            actor=_membership(request),
            case_id=case_id,
            person_id=person_id,
            expected_version=expected,
            changes=dict(incoming.validated_data),
            origin=self.origin(),
        )
        return _person_response(request, self, case_id=case_id, person_id=person_id)


class CaseRelationsAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_relations_create",
        request=serializers.RelationAddSerializer,
        responses={201: serializers.RelationAddSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, case_id: int):
        self.gate(request, CaseAction.CHANGE)
        incoming = serializers.RelationAddSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        relation = services.relation_add(
            actor=_membership(request), case_id=case_id, origin=self.origin(), **incoming.validated_data
        )
        return Response(
            {
                "victim_party_id": relation.victim_id,
                "perpetrator_party_id": relation.perpetrator_id,
                "relationship": relation.relationship.code,
            },
            status=201,
        )


class _CaseChildrenAPI(CaseAPIView):
    """GET lists the case's rows of one kind (at ``read_action``), POST adds one."""

    read_action = CaseAction.VIEW
    write_action = CaseAction.CHANGE
    output = None
    input = None
    audit_action = ""

    def rows(self, case):
        raise NotImplementedError

    def person_ids(self, rows) -> list[int]:
        return []

    def create(self, request, case_id: int, data: dict):
        raise NotImplementedError

    def list_rows(self, request, case_id: int):
        with transaction.atomic():
            case, access = self.gate(request, self.read_action)
            rows = self.rows(case)
            data = [self.output(context={"access": access}).to_representation(row) for row in rows]
            self.audit_read(
                request,
                action=self.audit_action,
                case=case,
                person_ids=self.person_ids(rows),
                level=access.name.lower(),
                count=len(rows),
            )
        return Response(data)

    def create_row(self, request, case_id: int):
        _case, access = self.gate(request, self.write_action)
        incoming = self.input(data=request.data)
        incoming.is_valid(raise_exception=True)
        row = self.create(request, case_id, dict(incoming.validated_data))
        return Response(self.output(context={"access": access}).to_representation(row), status=201)


def _children_view(
    name, *, output, input_serializer, read_action, write_action, rows, create, audit_action, person_ids=None
):
    def get(self, request, case_id: int):
        return self.list_rows(request, case_id)

    def post(self, request, case_id: int):
        return self.create_row(request, case_id)

    get = extend_schema(operation_id=f"cases_{name}_list", responses={200: output(many=True), **ERROR_RESPONSES})(get)
    post = extend_schema(
        operation_id=f"cases_{name}_create", request=input_serializer, responses={201: output, **ERROR_RESPONSES}
    )(post)
    return type(
        f"Case{name.title().replace('_', '')}API",
        (_CaseChildrenAPI,),
        {
            "get": get,
            "post": post,
            "output": output,
            "input": input_serializer,
            "read_action": read_action,
            "write_action": write_action,
            "rows": lambda self, case: rows(case=case),
            "create": create,
            "audit_action": audit_action,
            "person_ids": person_ids or (lambda self, rows: []),
            "__module__": __name__,
        },
    )


CaseServicesAPI = _children_view(
    "services",
    output=serializers.ServiceSerializer,
    input_serializer=serializers.ServiceInSerializer,
    read_action=CaseAction.VIEW,
    write_action=CaseAction.ADD_SERVICE,
    rows=selectors.case_services,
    create=lambda self, request, case_id, data: services.service_add(
        actor=_membership(request), case_id=case_id, origin=self.origin(), **data
    ),
    audit_action="case.services_viewed",
)
CaseNotesAPI = _children_view(
    "notes",
    output=serializers.NoteSerializer,
    input_serializer=serializers.NoteInSerializer,
    read_action=CaseAction.VIEW_FULL,
    write_action=CaseAction.ADD_NOTE,
    rows=selectors.case_notes,
    create=lambda self, request, case_id, data: services.note_add(
        actor=_membership(request), case_id=case_id, origin=self.origin(), **data
    ),
    audit_action="case.notes_viewed",
)
CaseConsentsAPI = _children_view(
    "consents",
    output=serializers.ConsentSerializer,
    input_serializer=serializers.ConsentInSerializer,
    read_action=CaseAction.VIEW_FULL,
    write_action=CaseAction.CHANGE,
    rows=selectors.case_consents,
    create=lambda self, request, case_id, data: services.consent_record(
        actor=_membership(request), case_id=case_id, origin=self.origin(), **data
    ),
    audit_action="case.consents_viewed",
    person_ids=lambda self, rows: [c.given_by_id for c in rows],
)
CaseLegalStepsAPI = _children_view(
    "legal_steps",
    output=serializers.LegalStepSerializer,
    input_serializer=serializers.LegalStepInSerializer,
    read_action=CaseAction.VIEW_FULL,
    write_action=CaseAction.ADD_LEGAL_STEP,
    rows=selectors.case_legal_steps,
    create=lambda self, request, case_id, data: services.legal_step_add(
        actor=_membership(request), case_id=case_id, origin=self.origin(), **data
    ),
    audit_action="case.legal_steps_viewed",
)


class CaseConsentWithdrawAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_consents_withdraw",
        request=serializers.ConsentWithdrawSerializer,
        responses={200: serializers.ConsentSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, case_id: int, consent_id: int):
        self.gate(request, CaseAction.CHANGE)
        incoming = serializers.ConsentWithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        consent = services.consent_withdraw(
            actor=_membership(request),
            case_id=case_id,
            consent_id=consent_id,
            withdrawn_on=incoming.validated_data["withdrawn_on"],
            origin=self.origin(),
        )
        return Response(serializers.ConsentSerializer(context={"access": Access.OWNER}).to_representation(consent))


class CaseHistoryAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_history_list",
        responses={200: serializers.StatusChangeSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, case_id: int):
        with transaction.atomic():
            case, access = self.gate(request)
            rows = selectors.case_history(case=case)
            data = [serializers.StatusChangeSerializer(context={"access": access}).to_representation(r) for r in rows]
            self.audit_read(request, action="case.history_viewed", case=case, person_ids=[], level=access.name.lower())
        return Response(data)


class CaseAttachmentsAPI(CaseAPIView):
    @extend_schema(
        operation_id="cases_attachments_list",
        responses={200: serializers.AttachmentSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, case_id: int):
        with transaction.atomic():
            case, access = self.gate(request, CaseAction.VIEW_FULL)
            rows = selectors.case_attachments(case=case)
            data = [serializers.AttachmentSerializer().to_representation(r) for r in rows]
            self.audit_read(
                request,
                action="case.attachments_viewed",
                case=case,
                person_ids=[],
                level=access.name.lower(),
                count=len(rows),
            )
        return Response(data)
