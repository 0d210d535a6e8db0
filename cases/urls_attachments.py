"""Attachment routes, under /cases/ in the "cases" namespace: ids only."""

from django.urls import path

from cases import views_attachments

urlpatterns = [
    path("<int:case_id>/attachments/", views_attachments.attachment_upload, name="attachment_upload"),
    path(
        "<int:case_id>/attachments/<int:attachment_id>/download/",
        views_attachments.attachment_download,
        name="attachment_download",
    ),
]
