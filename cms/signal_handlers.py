"""A user's account menu is cached (cms.services.account_menu): forget it when their groups or
account change, so a new role shows at once."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save

from .services import forget_account_menu


def on_groups_changed(sender, instance, action, pk_set=None, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, get_user_model()):
        forget_account_menu(instance.pk)
    else:  # a group's users changed, from the group's side
        for user_pk in pk_set or get_user_model().objects.filter(groups=instance).values_list("pk", flat=True):
            forget_account_menu(user_pk)


def on_user_saved(sender, instance, **kwargs):
    forget_account_menu(instance.pk)


def connect() -> None:
    user_model = get_user_model()
    m2m_changed.connect(on_groups_changed, sender=user_model.groups.through, dispatch_uid="cms.menu.groups")
    post_save.connect(on_user_saved, sender=user_model, dispatch_uid="cms.menu.user")
