import importlib

import pytest


@pytest.fixture(autouse=True)
def surveys(request):
    """The two surveys the data migration seeds (a transactional test elsewhere may have
    flushed them)."""
    if "django_db_setup" not in request.fixturenames and not any(
        m.name == "django_db" for m in request.node.iter_markers()
    ):
        return None
    from django.apps import apps

    from feedback.models import Survey

    if not Survey.objects.filter(code=Survey.POST_RESOLUTION).exists():
        importlib.import_module("feedback.migrations.0002_seed_surveys").seed(apps, None)
    return Survey.objects.all()
