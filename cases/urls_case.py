"""The case list, the case page and its workflow pages, under /cases/ in the
"cases" namespace. Ids and step codes only in URLs: search values travel in
POST bodies."""

from django.urls import path

from cases import views

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/restriction/", views.case_restriction, name="restriction"),
    path("<int:case_id>/assign/", views.case_assign, name="assign"),
    path("<int:case_id>/steps/<slug:transition>/", views.case_transition, name="transition"),
    path("<int:case_id>/plan/", views.case_plan, name="plan"),
    path("<int:case_id>/tasks/", views.task_add, name="task_add"),
    path("<int:case_id>/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("<int:case_id>/services/", views.service_add, name="service_add"),
    path("<int:case_id>/notes/", views.note_add, name="note_add"),
    path("<int:case_id>/legal-steps/", views.legal_step_add, name="legal_step_add"),
    path("<int:case_id>/consents/", views.consent_add, name="consent_add"),
    path("<int:case_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
