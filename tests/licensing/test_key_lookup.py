"""The audited look-up of licences by activation code (clause 4.1.3): a whole key anywhere,
a partial one only from a licence-recovery request; every look-up recorded without the key,
and limited per person."""

from types import SimpleNamespace

import pytest

from accounts.errors import DomainError, NotAllowed, RateLimited
from accounts.models import AuditEvent
from licensing import licences
from tests.accounts.factories import AgentFactory, UserFactory

from .factories import LicenceFactory

pytestmark = pytest.mark.django_db

RECOVERY = SimpleNamespace(category=SimpleNamespace(code="licence_recovery"),
                           reference="INC-2026-000042")
MALFUNCTION = SimpleNamespace(category=SimpleNamespace(code="malfunction"),
                              reference="INC-2026-000043")


@pytest.fixture
def agent(db):
    return AgentFactory()


def test_a_whole_key_is_found_however_it_is_typed(agent):
    licence = LicenceFactory()
    typed = licence.key.replace("-", " ").lower()
    assert licences.find_licences_by_key(typed, by=agent) == [licence]
    event = AuditEvent.objects.get(action="licence.key_lookup")
    assert event.actor == agent and event.data["partial"] is False
    assert licence.key not in str(event.data) and event.data["found"] == 1


def test_a_partial_key_only_inside_a_licence_recovery_request(agent):
    licence = LicenceFactory()
    part = licence.key[6:17]  # two groups with their dash
    with pytest.raises(DomainError):
        licences.find_licences_by_key(part, by=agent)
    with pytest.raises(DomainError):
        licences.find_licences_by_key(part, by=agent, within=MALFUNCTION)
    with pytest.raises(DomainError):  # too short to look up
        licences.find_licences_by_key(licence.key[:5], by=agent, within=RECOVERY)
    assert licences.find_licences_by_key(part, by=agent, within=RECOVERY) == [licence]
    en_dash = "\u2013"  # as a word processor types it
    for typed in (part.replace("-", " ").lower(), part.replace("-", ""),
                  part.replace("-", en_dash)):
        assert licences.find_licences_by_key(typed, by=agent, within=RECOVERY) == [licence]
    assert {event.data["within"] for event in AuditEvent.objects.filter(
        action="licence.key_lookup")} == {RECOVERY.reference}


def test_only_staff_and_not_too_many(agent, settings):
    with pytest.raises(NotAllowed):
        licences.find_licences_by_key(LicenceFactory().key, by=UserFactory())
    for _n in range(licences.KEY_LOOKUPS_PER_WINDOW):
        licences.find_licences_by_key("AAAAA-BBBBB-CCCCC-DDDDD", by=agent)
    with pytest.raises(RateLimited):
        licences.find_licences_by_key("AAAAA-BBBBB-CCCCC-DDDDD", by=agent)
    # Repeats within a minute are counted on one audit row.
    assert AuditEvent.objects.get(action="licence.key_lookup").count == \
        licences.KEY_LOOKUPS_PER_WINDOW
