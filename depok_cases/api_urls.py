"""The API under /api/v1/. Each app adds its routes here."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own,
    # so the page runs under our CSP without inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

v1_urlpatterns = []

# accounts: who am I (the person and the acting membership)
from accounts.api import MeView  # noqa: E402

v1_urlpatterns.append(path("me/", MeView.as_view(), name="me"))

from cases.api_urls import urlpatterns as case_urlpatterns  # noqa: E402

v1_urlpatterns += case_urlpatterns

from referrals.api_urls import urlpatterns as referral_urlpatterns  # noqa: E402

v1_urlpatterns += referral_urlpatterns
