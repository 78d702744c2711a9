from django.db import migrations


def grant(apps, schema_editor):
    # The calendars, SLA and self-help models came after the groups were made: grant their
    # permissions the same way the first groups migration did.
    from importlib import import_module

    import_module("helpdesk.migrations.0003_staff_groups").create_groups(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("helpdesk", "0005_sla_clock"),
        ("feedback", "0002_seed_surveys"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
