"""The Django admin behind the same sign-in and second factor as the pages.

The admin's own login form is not used: it would skip the lockout. Accounts
and devices are managed on the audited account pages, so the admin does not
offer users, groups or second-factor devices (its device pages would show a
person's TOTP key).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import second_factor_satisfied


class VerifiedAdminSite(OTPAdminSite):
    """OTPAdminSite: only a session that gave the second factor gets in
    (outside demo mode, everyone; in demo mode, whoever set one up)."""

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and second_factor_satisfied(user))

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(reverse(settings.LOGIN_URL) + "?" + urlencode({"next": next_url}))


# The admin autodiscovers this module after django.contrib.auth's and
# django-otp's (INSTALLED_APPS order), so their registrations can be undone.
admin.site.__class__ = VerifiedAdminSite
for _model in (get_user_model(), Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
