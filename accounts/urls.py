from django.contrib.auth.decorators import login_required
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("membership/", login_required(views.switch_membership), name="switch_membership"),
]
