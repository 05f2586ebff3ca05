import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    """A confirmed reader; the password is "correct horse 9" unless given."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    email_confirmed = True
    password = factory.django.Password("correct horse 9")
