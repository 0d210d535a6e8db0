"""The referrals API under /api/v1/referrals/: thin views over
``referrals.selectors`` and ``referrals.services``, with the same answers as
the cases API — a referral one may not see is 404 exactly like a missing one
(audited ``referral.access_denied``), a forbidden step 403, a stale If-Match
412, a step that does not fit the state 409, a reused Idempotency-Key 422."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_request
from cases.api import Conflict, PreconditionFailed, PreconditionRequired, Unprocessable
from cases.fields import keyed_digest
from cases.selectors import CaseActionForbidden, CaseNotVisible
from cases.services import CaseStateError, IdempotencyConflict, Origin, StaleVersion
from referrals import selectors, serializers, services
from referrals.selectors import ReferralNotVisible
from referrals.services import ReferralInput

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input"),
    403: OpenApiResponse(description="Forbidden step on a visible referral"),
    404: OpenApiResponse(description="No such referral (or not visible)"),
    409: OpenApiResponse(description="Not possible in the current status"),
}
DIRECTIONS = ("incoming", "outgoing", "approvals")


def _membership(request):
    return getattr(request._request, "membership", None)


def etag_for(referral) -> str:
    return f'"referral-{referral.pk}-v{referral.version}"'


def _expected_version(request, referral_id: int) -> int:
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise PreconditionRequired
    value = header[2:] if header.startswith("W/") else header
    prefix = f'"referral-{referral_id}-v'
    if not (value.startswith(prefix) and value.endswith('"') and value[len(prefix) : -1].isdigit()):
        raise PreconditionFailed
    return int(value[len(prefix) : -1])


class ReferralAPIView(APIView):
    def permission_denied(self, request, message=None, code=None):
        if "referral_id" in self.kwargs:
            self._audit_denied(request, reason="no_membership")
        super().permission_denied(request, message=message, code=code)

    def _audit_denied(self, request, *, reason: str, target_type: str = "referral", target_id=None) -> None:
        with transaction.atomic():
            audit_request(
                request._request,
                action=f"{target_type}.access_denied",
                target_type=target_type,
                target_id=target_id if target_id is not None else self.kwargs.get("referral_id", ""),
                details={
                    "route": request.resolver_match.url_name if request.resolver_match else "",
                    "method": request.method,
                    "reason": reason,
                },
            )

    def handle_exception(self, exc):
        if isinstance(exc, ReferralNotVisible):
            self._audit_denied(self.request, reason="not_visible")
            exc = exceptions.NotFound()
        elif isinstance(exc, CaseNotVisible):
            self._audit_denied(
                self.request, reason="not_visible", target_type="case", target_id=getattr(self, "case_id", "")
            )
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

    def origin(self) -> Origin:
        return Origin.of(self.request._request)


def _detail(request, *, referral_id: int, status_code: int = 200) -> Response:
    membership = _membership(request)
    with transaction.atomic():
        referral = selectors.referral_get(membership=membership, referral_id=referral_id)
        side = selectors.side_of(membership=membership, referral=referral)
        content = selectors.content_visible(membership=membership, referral=referral)
        facts = (
            selectors.case_facts(case=referral.case, level=selectors.receiver_level(referral))
            if content and side == "receiver"
            else None
        )
        context = {
            "now": timezone.now(),
            "content": content,
            "side": side,
            "facts": facts,
            "events": selectors.referral_events(referral=referral),
        }
        data = serializers.ReferralSerializer(context=context).to_representation(referral)
        audit_request(
            request._request,
            action="referral.viewed",
            target_type="referral",
            target_id=referral.pk,
            details={
                "case_id": referral.case_id,
                "content": content,
                "person_ids": facts["person_ids"] if facts else [],
            },
        )
    response = Response(data, status=status_code)
    response["ETag"] = etag_for(referral)
    return response


class ReferralListCreateAPI(ReferralAPIView):
    @extend_schema(
        operation_id="referrals_list",
        parameters=[OpenApiParameter("direction", OpenApiTypes.STR, enum=list(DIRECTIONS))],
        responses={200: OpenApiResponse(description="Referrals of the acting agency, metadata only")},
    )
    def get(self, request):
        membership = _membership(request)
        direction = request.query_params.get("direction", "incoming")
        if direction not in DIRECTIONS:
            raise exceptions.ValidationError({"direction": _("Give incoming, outgoing or approvals.")})
        if direction == "incoming":
            rows = selectors.incoming_referrals(membership=membership)
        elif direction == "outgoing":
            rows = selectors.outgoing_referrals(membership=membership)
        else:
            rows = selectors.approval_queue(membership=membership)
        context = {"now": timezone.now(), "content": False}
        with transaction.atomic():
            audit_request(
                request._request,
                action="referral.listed",
                target_type="referral",
                details={"direction": direction, "referral_ids": [row.pk for row in rows]},
            )
        results = [serializers.ReferralSerializer(context=context).to_representation(row) for row in rows]
        return Response({"count": len(results), "results": results})

    @extend_schema(
        operation_id="referrals_create",
        request=serializers.ReferralInSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            201: OpenApiResponse(description="The draft referral"),
            422: OpenApiResponse(description="Key reused"),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if key is not None and (len(key) > 100 or not key.isprintable()):
            raise exceptions.ValidationError({"idempotency_key": _("Use at most 100 printable characters.")})
        incoming = serializers.ReferralInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        self.case_id = data.pop("case_id")
        fingerprint = keyed_digest("referral-create", json.dumps(request.data, sort_keys=True, default=str).encode())
        referral, created = services.referral_create(
            actor=_membership(request),
            case_id=self.case_id,
            data=ReferralInput(**data),
            idempotency_key=key,
            fingerprint=fingerprint if key else "",
            origin=self.origin(),
        )
        response = _detail(request, referral_id=referral.pk, status_code=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class ReferralDetailAPI(ReferralAPIView):
    @extend_schema(
        operation_id="referrals_retrieve",
        responses={200: OpenApiResponse(description="The referral"), **ERROR_RESPONSES},
    )
    def get(self, request, referral_id: int):
        return _detail(request, referral_id=referral_id)

    @extend_schema(
        operation_id="referrals_partial_update",
        request=serializers.ReferralPatchSerializer,
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        responses={
            200: OpenApiResponse(description="The referral"),
            412: OpenApiResponse(description="Stale"),
            **ERROR_RESPONSES,
        },
    )
    def patch(self, request, referral_id: int):
        membership = _membership(request)
        referral = selectors.referral_get(membership=membership, referral_id=referral_id)
        expected = _expected_version(request, referral_id)
        current = {
            "to_agency_id": referral.to_agency_id,
            "kind": referral.kind,
            "urgency": referral.urgency,
            "requested_services": [item.code for item in referral.requested_services.all()],
            "reason": referral.reason,
            "summary": referral.summary,
            "grant_level": referral.grant_level,
            "emergency_override": referral.emergency_override,
            "override_reason": referral.override_reason,
        }
        incoming = serializers.ReferralPatchSerializer(data={**current, **request.data})
        incoming.is_valid(raise_exception=True)
        services.referral_update(
            actor=membership,
            referral_id=referral_id,
            data=ReferralInput(**incoming.validated_data),
            expected_version=expected,
            origin=self.origin(),
        )
        return _detail(request, referral_id=referral_id)


class ReferralStepAPI(ReferralAPIView):
    @extend_schema(
        operation_id="referrals_step",
        request=serializers.StepInSerializer,
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={200: OpenApiResponse(description="The referral after the step"), **ERROR_RESPONSES},
    )
    def post(self, request, referral_id: int):
        membership = _membership(request)
        selectors.referral_get(membership=membership, referral_id=referral_id)
        incoming = serializers.StepInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if request.headers.get("If-Match"):
            # Optional on steps: a client that sends it is told when someone moved first.
            expected = _expected_version(request, referral_id)
            if selectors.referral_get(membership=membership, referral_id=referral_id).version != expected:
                raise PreconditionFailed
        common = {"actor": membership, "referral_id": referral_id, "origin": self.origin()}
        step = data["step"]
        if step == "submit":
            services.referral_submit(**common)
        elif step == "approve":
            services.referral_approve(**common)
        elif step == "return":
            services.referral_return(**common, comments=data["comments"])
        elif step == "withdraw":
            services.referral_withdraw(**common, reason=data["reason"])
        elif step == "accept":
            services.referral_accept(**common, assignee_id=data["assignee_id"])
        elif step == "decline":
            services.referral_decline(**common, reason=data["reason"])
        elif step == "start":
            services.referral_start(**common)
        elif step == "complete":
            services.referral_complete(**common, outcome=data["outcome"])
        elif step == "assign":
            if data["assignee_id"] is None:
                raise exceptions.ValidationError({"assignee_id": _("Choose a caseworker of your agency.")})
            services.referral_assign(**common, assignee_id=data["assignee_id"])
        return _detail(request, referral_id=referral_id)
