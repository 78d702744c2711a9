"""The portal pages' self-help resources (the world itself is tests/world.py)."""

from types import SimpleNamespace

import pytest

from helpdesk.models import SelfHelpResource


@pytest.fixture
def resources(world):
    """Self-help of clause 2.1 in both segments and languages."""
    make = SelfHelpResource.objects.create
    return SimpleNamespace(
        home_kb=make(segment="home", kind="knowledge_base", language="en",
                     title="Scan stops or freezes", url="https://support.example.com/kb/scan",
                     keywords="scan scanning freeze stops slow"),
        home_kb_ms=make(segment="home", kind="knowledge_base", language="ms",
                        title="Imbasan berhenti", url="https://support.example.com/ms/kb/scan",
                        keywords="imbasan scan berhenti"),
        home_community=make(segment="home", kind="community", language="en",
                            title="Kaspersky Community", url="https://community.example.com/",
                            keywords="forum community"),
        business_kb=make(segment="business", kind="knowledge_base", language="en",
                         title="Endpoint agent does not connect",
                         url="https://support.example.com/kb/agent",
                         keywords="agent connect network server"),
        unlisted=make(segment="home", kind="course", language="en", title="Old course",
                      url="https://academy.example.com/old", keywords="scan",
                      is_active=False),
    )
