"""Platform versions with a line of their own ("Server 2022"), compared within that line
(clause 4.3.1): the intake takes them, the requirements compare them, junk stays refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from licensing.eligibility import decide
from licensing.models import ProductSegment, SystemRequirement
from licensing.versions import parse_platform_version
from tests.helpdesk.factories import version_with_requirements

from .conftest import category
from .factories import LicenceFactory, ProductFactory, SystemRequirementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "os", "line", "key", "text"), [
    ("10.15", "macos", "", (10, 15), "10.15"),
    ("11", "windows", "", (11,), "11"),
    ("Server 2022", "windows", "server", (2022,), "Server 2022"),
    ("  windows   server 2016 ", "windows", "server", (2016,), "Server 2016"),
    ("Windows 11", "windows", "", (11,), "11"),
    ("server2019", "windows", "server", (2019,), "Server 2019"),
    ("Server 2012 R2", "windows", "server", (2012, 2), "Server 2012 R2"),
    ("macOS 14.4", "macos", "", (14, 4), "14.4"),
    ("Server 2022", None, "server", (2022,), "Server 2022"),
])
def test_platform_versions_are_read_with_their_line(typed, os, line, key, text):
    parsed = parse_platform_version(typed, os)
    assert (parsed.line, parsed.key, parsed.text) == (line, key, text)


@pytest.mark.parametrize(("typed", "os"), [
    ("eleven", "windows"), ("Server", "windows"), ("2022 Server", "windows"),
    ("Server 2022 Datacenter", "windows"), ("Server 2022", "macos"), ("banana 5", None),
    ("10..15", "macos"), ("<script>", "windows"), ("", "windows"), ("Windows", "windows"),
    ("macOS 14", "windows"), (None, "windows"), ("1" * 7, "linux"),
])
def test_junk_is_still_refused(typed, os):
    with pytest.raises(ValidationError):
        parse_platform_version(typed, os)


@pytest.fixture
def server_product(world):
    """A business product for workstations (Windows 10 or later) and servers (Windows Server
    2016 or later), licensed to Acme."""
    product = ProductFactory(code="file-server", name="File Server Security",
                             segment=ProductSegment.BUSINESS)
    version = version_with_requirements(product, "11.0", windows="10")
    SystemRequirementFactory(version=version, os="windows", min_os_version="Server 2016")
    LicenceFactory(product=product, company=world.acme)
    return product, version


@pytest.mark.parametrize(("os_version", "eligible", "reason"), [
    ("Server 2022", True, ""),
    ("Server 2016", True, ""),
    ("Windows Server 2019", True, ""),
    ("Server 2012 R2", False, "needs Windows Server 2016 or later; Windows Server 2012 R2"),
    ("11", True, ""),
    ("8.1", False, "needs Windows 10 or later; Windows 8.1"),
])
def test_a_requirement_is_met_within_its_line(world, server_product, os_version, eligible,
                                              reason):
    product, version = server_product
    decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                      product=product, version=version, os="windows", os_version=os_version)
    assert (decision.eligible, decision.clause) == (eligible, None if eligible else "4.3.1")
    assert reason in decision.reason


def test_a_line_the_version_does_not_list_is_not_supported(world):
    decision = decide(workspace=world.home_ws, category=category("malfunction"),
                      product=world.home_product, version=world.home_v, os="windows",
                      os_version="Server 2022")
    assert (decision.eligible, decision.clause) == (False, "4.3.1")
    assert decision.reason == (
        "Home Premium 21.21 runs on Windows 10 or later, not on Windows Server 2022, so this "
        "platform is not supported (clause 4.3.1).")
    assert [offer.code for offer in decision.offers] == ["community"]


def test_a_server_only_version_does_not_take_a_workstation(world):
    product = ProductFactory(code="mail-server", name="Mail Server",
                             segment=ProductSegment.BUSINESS)
    version = version_with_requirements(product, "9.0")
    SystemRequirementFactory(version=version, os="windows", min_os_version="server 2019")
    decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                      product=product, version=version, os="windows", os_version="11")
    assert decision.clause == "4.3.1"
    assert "runs on Windows Server 2019 or later, not on Windows 11" in decision.reason


def test_requirements_are_stored_as_written_one_per_platform_line(world):
    requirement = SystemRequirementFactory(version=world.biz_v, os="windows",
                                           min_os_version="windows  server 2016")
    assert (requirement.min_os_version, requirement.line) == ("Server 2016", "server")
    assert requirement.is_met_by("Server 2022") and not requirement.is_met_by("11")
    duplicate = SystemRequirement(version=world.biz_v, os="windows", min_os_version="10")
    with pytest.raises(ValidationError):
        duplicate.full_clean()  # 10 is already there for Windows
    with pytest.raises(ValidationError):
        SystemRequirement(version=world.biz_v, os="macos",
                          min_os_version="Server 2016").full_clean()
    with pytest.raises(IntegrityError):
        SystemRequirementFactory(version=world.biz_v, os="windows", min_os_version="8")


def test_the_api_checks_and_files_a_server_platform(world, api):
    SystemRequirementFactory(version=world.biz_v, os="windows", min_os_version="Server 2016")
    LicenceFactory(product=world.biz, company=world.acme)
    client = api(world.acme_admin)
    fields = {"workspace": "acme", "category": "malfunction", "product": "endpoint",
              "version": "12.8", "os": "windows"}
    body = client.post("/api/v1/eligibility/", {**fields, "os_version": "Server 2022"},
                       format="json").json()
    assert body["eligible"] is True, body
    old = client.post("/api/v1/eligibility/", {**fields, "os_version": "server 2012"},
                      format="json").json()
    assert (old["eligible"], old["clause"]) == (False, "4.3.1")
    junk = client.post("/api/v1/eligibility/", {**fields, "os_version": "Server"},
                       format="json")
    assert junk.status_code == 400
    assert "os_version" in junk.json()["errors"]
    filed = client.post("/api/v1/requests/", {
        **fields, "os_version": "windows server 2022", "subject": "Agent stops",
        "description": "On our file servers."}, format="json")
    assert filed.status_code == 201, filed.json()
    assert filed.json()["os_version"] == "Server 2022"


def _requirements_form(version, rows):
    data = {"product": version.product.pk, "version": version.version,
            "requirements-TOTAL_FORMS": str(len(rows)), "requirements-INITIAL_FORMS": "0",
            "requirements-MIN_NUM_FORMS": "0", "requirements-MAX_NUM_FORMS": "1000"}
    for index, (os, minimum) in enumerate(rows):
        data[f"requirements-{index}-os"] = os
        data[f"requirements-{index}-min_os_version"] = minimum
    return data


def test_staff_list_a_workstation_and_a_server_minimum_but_not_two_of_one_line(world, client):
    from tests.accounts.factories import StaffFactory

    client.force_login(StaffFactory())
    version = version_with_requirements(world.biz, "13.0")
    url = f"/admin/licensing/productversion/{version.pk}/change/"
    twice = client.post(url, _requirements_form(version, [("windows", "10"),
                                                         ("windows", "windows 11")]))
    assert twice.status_code == 200  # the form again, with the error; nothing saved
    assert "takes one requirement" in twice.content.decode()
    assert not version.requirements.exists()
    saved = client.post(url, _requirements_form(version, [("windows", "10"),
                                                         ("windows", "server 2016")]))
    assert saved.status_code == 302
    assert sorted(version.requirements.values_list("min_os_version", "line")) == [
        ("10", ""), ("Server 2016", "server")]
