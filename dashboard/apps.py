from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Control room")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard import kit_parts

        kit_parts.register()
