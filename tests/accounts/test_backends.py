"""A user's permissions and group names are read in one query, and answer as Django's own
backend would."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import access
from accounts.models import User
from tests.accounts.factories import AgentFactory, StaffFactory, UserFactory, supervisor

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_roles_and_permissions_in_one_query():
    agent = AgentFactory()
    agent.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    agent = fresh(agent)
    with CaptureQueriesContext(connection) as queries:
        assert access.is_agent(agent) and not access.is_supervisor(agent)
        assert agent.has_perm("helpdesk.change_supportrequest")
        assert agent.has_perm("accounts.view_auditevent")  # given to the user alone
        assert not agent.has_perm("helpdesk.add_replytemplate")
        assert agent.has_module_perms("helpdesk")
    assert len(queries) == 1
    assert fresh(supervisor()).has_perm("helpdesk.add_replytemplate")


def test_people_without_groups_or_rights():
    customer = fresh(UserFactory())
    assert not access.is_agent(customer) and customer.get_all_permissions() == set()
    inactive = AgentFactory(is_active=False)
    assert not fresh(inactive).has_perm("helpdesk.view_supportrequest")
    superuser = fresh(StaffFactory())
    assert superuser.has_perm("anything.at_all") and access.is_supervisor(superuser)
