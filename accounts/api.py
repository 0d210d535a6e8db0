"""The API's "who am I": the person and the membership the request acts for."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.two_factor import is_verified


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = AgencySerializer()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")


class TokenInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    authentication = serializers.ChoiceField(choices=["token", "session"])
    two_factor_verified = serializers.BooleanField()
    membership = MembershipSerializer(allow_null=True, help_text=_("The membership this request acts for."))
    memberships = MembershipSerializer(many=True)
    token = TokenInfoSerializer(allow_null=True)


class MeView(APIView):
    # Administrators (no membership) may ask too; everything else needs one.
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="Who am I: the person and the acting membership")
    def get(self, request):
        django_request = request._request
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "authentication": "token" if token else "session",
            "two_factor_verified": is_verified(django_request.user) if token is None else True,
            "membership": getattr(django_request, "membership", None),
            "memberships": getattr(django_request, "memberships", []),
            "token": token,
        }
        return Response(MeSerializer(data).data)
