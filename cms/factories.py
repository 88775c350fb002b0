import factory
import wagtail_factories
from django.contrib.auth import get_user_model

from .models import HomePage, StandardPage


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="zh_CN")
    last_name = factory.Faker("last_name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests")

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)


class HomePageFactory(wagtail_factories.PageFactory):
    title = "首页"
    hero_title = "党课开讲啦·月讲悦听"

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"页面{n}")
    introduction = "导语"

    class Meta:
        model = StandardPage
