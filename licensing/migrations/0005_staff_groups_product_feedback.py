from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Product feedback came after the staff groups were made: create its permissions now
    # (Django would only after every migration) and grant them as the apps ask.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from accounts.registry import sync_staff_groups

    sync_staff_groups(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0004_product_feedback"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
