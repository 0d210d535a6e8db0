"""How the API's authentication appears in the OpenAPI schema."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class MembershipTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.MembershipTokenAuthentication"
    name = "membershipToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from “My account”; it acts for one membership.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.VerifiedSessionAuthentication"
    name = "verifiedSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The browser session, after the second factor.",
        }
