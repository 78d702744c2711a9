from django.core.management.base import BaseCommand

from helpdesk.rules import published as rules_text
from helpdesk.rules.services import load_published_rules


class Command(BaseCommand):
    help = "Load (or bring up to date) and publish the Support Rules the portal ships with."

    def handle(self, *args, **options):
        current = load_published_rules()
        self.stdout.write(
            f"Support Rules {rules_text.VERSION} loaded and published; "
            f"version in force: {current.version}"
        )
