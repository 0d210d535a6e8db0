from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create the demo network, logins and data. Idempotent; refuses to run when DEBUG is off. "
        "Each app seeds its own part from its demo module, in INSTALLED_APPS order."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates logins with a published password.")
        for app_config in apps.get_app_configs():
            try:
                demo = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name == f"{app_config.name}.demo":
                    continue
                raise
            with transaction.atomic():
                demo.seed(self.stdout)
