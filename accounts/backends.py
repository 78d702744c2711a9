"""Who a signed-in user is, read once per request object: their own permissions, their
groups' permissions and their group names, in one query instead of Django's three. Every
staff page asks all three (the admin checks permissions, the access layer the groups)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value


def load_identity(user) -> None:
    """Fill `user`'s permission caches (those `ModelBackend` reads) and its group names
    (`accounts.access`), in one query."""
    own = Permission.objects.filter(user=user).order_by().annotate(
        no_group=Value(None, output_field=CharField())).values_list(
        "content_type__app_label", "codename", "no_group")
    shared = Group.objects.filter(user=user).order_by().values_list(
        "permissions__content_type__app_label", "permissions__codename", "name")
    user_perms, group_perms, groups = set(), set(), set()
    for app_label, codename, group in own.union(shared, all=True):
        if group is not None:
            groups.add(group)
        if app_label is not None:
            (group_perms if group is not None else user_perms).add(f"{app_label}.{codename}")
    user._access_group_names = frozenset(groups)
    if not user.is_superuser:  # a superuser's permissions are all of them: Django's own way
        user._user_perm_cache = user_perms
        user._group_perm_cache = group_perms


class PortalModelBackend(ModelBackend):
    """Django's model backend, with the permissions read by `load_identity`."""

    def get_all_permissions(self, user_obj, obj=None):
        if (user_obj.is_active and not user_obj.is_anonymous and obj is None
                and not user_obj.is_superuser and not hasattr(user_obj, "_perm_cache")
                and not hasattr(user_obj, "_user_perm_cache")):
            load_identity(user_obj)
        return super().get_all_permissions(user_obj, obj)
