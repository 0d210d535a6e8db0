"""Routes of the cases API, appended to ``depok_cases.api_urls.v1_urlpatterns``.
Every route with ``case_id`` is a case route: the isolation matrix test
enumerates them and fails when one has no row."""

from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseListCreateAPI.as_view(), name="case-list"),
    path("cases/search/", api.CaseSearchAPI.as_view(), name="case-search"),
    path("cases/<int:case_id>/", api.CaseDetailAPI.as_view(), name="case-detail"),
    path("cases/<int:case_id>/transitions/", api.CaseTransitionAPI.as_view(), name="case-transition"),
    path("cases/<int:case_id>/assignments/", api.CaseAssignmentsAPI.as_view(), name="case-assignments"),
    path("cases/<int:case_id>/persons/", api.CasePersonsAPI.as_view(), name="case-persons"),
    path("cases/<int:case_id>/persons/<int:person_id>/", api.CasePersonDetailAPI.as_view(), name="case-person"),
    path("cases/<int:case_id>/relations/", api.CaseRelationsAPI.as_view(), name="case-relations"),
    path("cases/<int:case_id>/services/", api.CaseServicesAPI.as_view(), name="case-services"),
    path("cases/<int:case_id>/notes/", api.CaseNotesAPI.as_view(), name="case-notes"),
    path("cases/<int:case_id>/consents/", api.CaseConsentsAPI.as_view(), name="case-consents"),
    path(
        "cases/<int:case_id>/consents/<int:consent_id>/withdraw/",
        api.CaseConsentWithdrawAPI.as_view(),
        name="case-consent-withdraw",
    ),
    path("cases/<int:case_id>/legal-steps/", api.CaseLegalStepsAPI.as_view(), name="case-legal-steps"),
    path("cases/<int:case_id>/history/", api.CaseHistoryAPI.as_view(), name="case-history"),
    path("cases/<int:case_id>/attachments/", api.CaseAttachmentsAPI.as_view(), name="case-attachments"),
]
