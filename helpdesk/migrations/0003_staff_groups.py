from django.db import migrations


def create_groups(apps, schema_editor):
    from accounts.registry import sync_staff_groups_in_migration

    sync_staff_groups_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0002_requests"),
    ]

    operations = [
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
