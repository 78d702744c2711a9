from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        demo: dict = {}
        with transaction.atomic():
            # Apps are listed bottom-up in INSTALLED_APPS, so each app's seed finds what the
            # apps below it created.
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(demo, self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
