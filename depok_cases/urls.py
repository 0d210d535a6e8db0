from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from depok_cases import api_urls, views

admin.site.site_header = "Depok Cases"
admin.site.site_title = "Depok Cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("referrals/", include("referrals.urls")),
    path("api/", include("depok_cases.api_urls")),
    path("api/v1/", include((api_urls.v1_urlpatterns, "api"), namespace="api")),
    path("admin/", admin.site.urls),
]
