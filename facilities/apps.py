from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facilities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from facilities import kit_parts
        from facilities.sources import facility_sources
        from layers.engine.registry import register_source_provider

        kit_parts.register()
        register_source_provider(facility_sources)
