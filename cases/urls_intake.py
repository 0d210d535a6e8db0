"""Intake routes, under /cases/ in the "cases" namespace: ids only in URLs;
names, NIKs and phone numbers travel in POST bodies."""

from django.urls import path

from cases import views_intake

urlpatterns = [
    path("intake/", views_intake.intake_start, name="intake_start"),
    path("intake/<int:draft_id>/", views_intake.intake_draft, name="intake_draft"),
    path("intake/<int:draft_id>/autosave/", views_intake.intake_autosave, name="intake_autosave"),
    path("intake/<int:draft_id>/matches/", views_intake.intake_matches, name="intake_matches"),
    path("intake/<int:draft_id>/discard/", views_intake.intake_discard, name="intake_discard"),
]
