from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = _("Cities, areas, agencies and people")

    def ready(self) -> None:
        from tenancy import kit_parts

        kit_parts.register()
