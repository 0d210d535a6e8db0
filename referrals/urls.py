from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.incoming, name="incoming"),
    path("outgoing/", views.outgoing, name="outgoing"),
    path("approvals/", views.approvals, name="approvals"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification_open"),
    path("new/<int:case_id>/", views.create, name="create"),
    path("<int:referral_id>/", views.detail, name="detail"),
    path("<int:referral_id>/edit/", views.edit, name="edit"),
    path("<int:referral_id>/letter.pdf", views.letter, name="letter"),
    path("<int:referral_id>/<slug:step_name>/", views.step, name="step"),
]
