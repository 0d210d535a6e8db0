from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        # Listen to the cases app: consent withdrawn or a case archived ends
        # the referrals' access (their grants are already gone).
        from referrals import receivers  # noqa: F401
