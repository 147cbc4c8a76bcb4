from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from layers.engine.registry import register_source_provider
        from permits import kit_parts, tasks  # noqa: F401 (registers the task)
        from permits.sources import permit_sources

        register_source_provider(permit_sources)
        kit_parts.register()
