from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _workspace_title(workspace) -> str:
    return workspace.name if workspace.is_company else _("My account")


def _create_cache_tables(sender, using, verbosity=1, **kwargs) -> None:
    """The database cache of the embedded default needs its table: `migrate` makes it, so
    `migrate` then `seed_demo` suffice (DESIGN.md section 8). Without a database cache
    configured this does nothing; an existing table is left alone."""
    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        post_migrate.connect(_create_cache_tables, sender=self,
                             dispatch_uid="accounts.create_cache_tables")

        from .registry import READ, WORKSPACE_NAV, Link, add_link, grant_staff

        for link in (
            Link("workspace", _workspace_title, "accounts:workspace", order=0),
            Link("company_profile", _("Company profile"), "accounts:company_profile",
                 order=80, when=lambda workspace, obj: workspace.is_company),
            Link("members", _("Members"), "accounts:members", order=90,
                 when=lambda workspace, obj: workspace.is_company and workspace.is_admin),
            Link("profile", _("Profile"), "accounts:profile", order=80, in_workspace=False,
                 when=lambda workspace, obj: workspace.is_home),
            Link("api_tokens", _("API tokens"), "accounts:api_tokens", order=90,
                 in_workspace=False, when=lambda workspace, obj: workspace.is_home),
            Link("register_company", _("Register a company"), "accounts:register_company",
                 order=100, in_workspace=False, when=lambda workspace, obj: workspace.is_home),
        ):
            add_link(WORKSPACE_NAV, link)
        grant_staff(
            agents={"accounts.user": READ, "accounts.company": READ,
                    "accounts.membership": READ},
            supervisors={"accounts.auditevent": READ},
        )
