from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from accounts import schema, signals  # noqa: F401  (schema extensions; sign-in audit and session stamps)
        from depok_cases import checks  # noqa: F401  (registers the project's security checks)
