from django.db import migrations


def grant(apps, schema_editor):
    # Product feedback came after the staff groups were made: grant its permissions as the
    # apps ask.
    from accounts.registry import sync_staff_groups_in_migration

    sync_staff_groups_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0004_product_feedback"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
