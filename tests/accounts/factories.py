import secrets
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.access import AGENTS, SUPERVISORS
from accounts.models import ApiToken, Company, CompanySegment, Invitation, Membership, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    country = "MY"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            if extracted is not False:
                EmailAddress.objects.create(user=self, email=self.email, verified=True,
                                            primary=True)


class AgentFactory(UserFactory):
    """Support staff in the Agents group (the groups come from a data migration)."""

    is_staff = True

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or AGENTS))


def supervisor(**kwargs):
    """Support staff in the Supervisors group."""
    return AgentFactory(group=SUPERVISORS, **kwargs)


class UnverifiedUserFactory(UserFactory):
    """Signed up, but has not followed the link in the verification email yet."""

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=False,
                                        primary=True)


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True
    is_superuser = True


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    country = "MY"
    segment = CompanySegment.SMALL_BUSINESS
    is_verified = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.MEMBER


class CompanyAdminFactory(MembershipFactory):
    role = Membership.Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation row; the one-time token is on `invitation.token` (never stored)."""

    class Meta:
        model = Invitation

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Membership.Role.MEMBER
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: Invitation.hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, token, **kwargs):
        invitation = super()._create(model_class, *args, **kwargs)
        invitation.token = token
        return invitation


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A personal token; the key is on `token.key` (only its hash is stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    key = factory.LazyFunction(ApiToken.generate_key)
    prefix = factory.LazyAttribute(lambda o: o.key[: ApiToken.PREFIX_LENGTH])
    key_hash = factory.LazyAttribute(lambda o: ApiToken.hash_key(o.key))

    @classmethod
    def _create(cls, model_class, *args, key, **kwargs):
        token = super()._create(model_class, *args, **kwargs)
        token.key = key
        return token
