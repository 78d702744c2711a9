import pytest

from accounts.models import Membership
from tests.accounts.factories import PASSWORD, CompanyFactory, MembershipFactory, UserFactory
from tests.e2e.conftest import link_in, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_user_signs_up_verifies_and_reaches_the_portal(page, mailoutbox, screenshot,
                                                            axe_check):
    page.goto("/accounts/signup/")
    axe_check(page)
    page.get_by_label("Email").fill("aina@example.org")
    page.locator("#id_password1").fill("a-long-secret-2026")
    page.locator("#id_password2").fill("a-long-secret-2026")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert len(mailoutbox) == 1
    page.goto(link_in(mailoutbox[0].body, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/my/")
    assert page.get_by_role("heading", level=1).inner_text() == "My account"
    screenshot(page, "home-dashboard")
    axe_check(page)


def test_company_admin_invites_a_member_who_accepts(page, browser, live_server, mailoutbox,
                                                    screenshot, axe_check):
    company = CompanyFactory(name="Acme", slug="acme")
    admin = MembershipFactory(company=company, role="admin").user
    sign_in(page, admin.email, PASSWORD)
    page.wait_for_url("**/my/")
    page.goto("/company/acme/members/")
    axe_check(page)
    page.get_by_label("Email").fill("newhire@example.org")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("Invitation sent to newhire@example.org").is_visible()
    screenshot(page, "company-members")
    invitation_link = link_in(mailoutbox[-1].body, "/invitations/")

    invitee = UserFactory(email="newhire@example.org")
    other = browser.new_context(base_url=live_server.url)
    member_page = other.new_page()
    sign_in(member_page, invitee.email, PASSWORD)
    member_page.wait_for_url("**/my/")
    member_page.goto(invitation_link)
    member_page.get_by_role("button", name="Accept the invitation").click()
    member_page.wait_for_url("**/company/acme/")
    assert Membership.objects.filter(company=company, user=invitee, role="member").exists()
    assert any("joined Acme" in m.subject for m in mailoutbox)
    other.close()
