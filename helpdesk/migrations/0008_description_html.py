"""A request's description is rendered once, when filed, as messages are; the requests
filed before get theirs here."""

from django.db import migrations, models

BATCH = 1000


def render_descriptions(apps, schema_editor):
    from helpdesk.requests.markup import render

    SupportRequest = apps.get_model("helpdesk", "SupportRequest")
    rows = SupportRequest.objects.filter(description_html="").only("pk", "description")
    changed = []
    for request in rows.order_by("pk").iterator(chunk_size=BATCH):
        request.description_html = render(request.description)
        changed.append(request)
        if len(changed) >= BATCH:
            SupportRequest.objects.bulk_update(changed, ["description_html"])
            changed = []
    if changed:
        SupportRequest.objects.bulk_update(changed, ["description_html"])


class Migration(migrations.Migration):

    dependencies = [
        ("helpdesk", "0007_decision_as_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="supportrequest",
            name="description_html",
            field=models.TextField(blank=True, editable=False,
                                   verbose_name="description (HTML)"),
        ),
        migrations.RunPython(render_descriptions, migrations.RunPython.noop),
    ]
