from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.home_panels import case_queue_panels
        from depok_cases.home import PANEL_PROVIDERS

        if case_queue_panels not in PANEL_PROVIDERS:
            PANEL_PROVIDERS.append(case_queue_panels)
