from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.errors import DomainError
from accounts.models import User


class Command(BaseCommand):
    help = "Create a personal API token for EMAIL and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the email {email}.")
        try:
            _token, key = services.create_api_token(user, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(key)
