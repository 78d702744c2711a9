"""Requests keep the decision they were filed under as data (a reason code and its
parameters, licensing.reasons) instead of the sentence in the language of the day.

A filed decision was always an acceptance, so its reason follows from the request itself:
the category needed no product check (4.1.3, 4.1.4), commercial business software had a
valid licence (4.5b), home software is supported whatever the licence (4.5a), or simply
covered. The codes are written out here so the migration does not change with the code.
"""

from django.db import migrations

BATCH = 2000


def _reason(request) -> tuple[str, dict]:
    category, product, version = request.category, request.product, request.version
    if not category.needs_product or product is None:
        return "category_covered", {"category": category.code, "clause": category.clause}
    subject = f"{product.name} {version.version}" if version is not None else product.name
    if (product.segment == "business" and product.kind == "commercial"
            and category.needs_licence):
        return "licence_valid", {"product": subject}
    if product.segment == "home":
        return "home_any_licence", {"product": subject}
    return "covered", {"product": subject}


def forwards(apps, schema_editor):
    SupportRequest = apps.get_model("helpdesk", "SupportRequest")
    rows = (SupportRequest.objects.exclude(decision__has_key="reason_code")
            .select_related("category", "product", "version").order_by("pk"))
    changed = []
    for request in rows.iterator(chunk_size=BATCH):
        old = request.decision or {}
        code, params = _reason(request)
        request.decision = {"eligible": old.get("eligible", True), "clause": old.get("clause"),
                            "reason_code": code, "params": params, "offers": []}
        changed.append(request)
        if len(changed) >= BATCH:
            SupportRequest.objects.bulk_update(changed, ["decision"])
            changed = []
    if changed:
        SupportRequest.objects.bulk_update(changed, ["decision"])


class Migration(migrations.Migration):

    dependencies = [
        ("helpdesk", "0006_staff_groups_sla"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
