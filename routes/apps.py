from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "routes"
    verbose_name = "红色线路"
    default_auto_field = "django.db.models.BigAutoField"
