"""`manage.py load_rules [--version VERSION]`: load a version's Support Rules data files
into the database and publish them (the files: `helpdesk.rules.files`)."""

from django.core.management.base import BaseCommand, CommandError

from helpdesk.rules.files import RulesFileError, available_versions
from helpdesk.rules.services import load_published_rules


class Command(BaseCommand):
    help = (
        "Load (or bring up to date) and publish the Support Rules of a version's data files; "
        "by default the newest version there are files for."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Every command has Django's own --version (it prints Django's version); here
        # --version names the rules version, so ours replaces it.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve",
                                     **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--version", dest="rules_version", metavar="VERSION",
            help="The version to load, such as 2022-04-07 (a folder of "
                 "helpdesk/rules/published/). Default: the newest.",
        )

    def handle(self, *args, rules_version=None, **options):
        try:
            version = rules_version or next(reversed(available_versions()), None)
            current = load_published_rules(version)
        except RulesFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Support Rules {version} loaded and published; version in force: {current.version}"
        )
