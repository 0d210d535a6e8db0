from django.urls import path

from accounts import views, views_people

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("session/", views.session_status, name="session_status"),
    path("session/keep-alive/", views.session_keepalive, name="session_keepalive"),
    path("membership/", views.switch_membership, name="switch_membership"),
    path("me/", views.profile, name="profile"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("people/", views_people.agency_people, name="agency_people"),
    path("people/new/", views_people.person_create, name="person_create"),
    path("people/<int:user_id>/", views_people.person_detail, name="person_detail"),
    path("people/<int:user_id>/active/", views_people.person_account_active, name="person_account_active"),
    path("people/<int:user_id>/password/", views_people.person_password_reset, name="person_password_reset"),
    path("people/<int:user_id>/two-factor/", views_people.person_two_factor_reset, name="person_two_factor_reset"),
    path("people/<int:user_id>/memberships/", views_people.person_membership_add, name="person_membership_add"),
    path(
        "people/<int:user_id>/memberships/<int:membership_id>/role/",
        views_people.person_membership_role,
        name="person_membership_role",
    ),
    path(
        "people/<int:user_id>/memberships/<int:membership_id>/active/",
        views_people.person_membership_active,
        name="person_membership_active",
    ),
]
