"""Routes of the referrals API, appended to ``depok_cases.api_urls.v1_urlpatterns``.
Every route is in the isolation matrix (tests/referrals/test_isolation_matrix.py),
which walks the resolver and fails for a route without a row."""

from django.urls import path

from referrals import api

urlpatterns = [
    path("referrals/", api.ReferralListCreateAPI.as_view(), name="referral-list"),
    path("referrals/<int:referral_id>/", api.ReferralDetailAPI.as_view(), name="referral-detail"),
    path("referrals/<int:referral_id>/transitions/", api.ReferralStepAPI.as_view(), name="referral-transition"),
]
