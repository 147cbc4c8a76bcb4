from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from layers.popups import register_coded_values
        from reports import kit_parts
        from reports.models import Status

        # The map's popups show a report's status in the page's language.
        register_coded_values("status", lambda: {s.value: str(s.label) for s in Status})

        kit_parts.register()
        try:
            from layers.engine.registry import register_source_provider
        except ImportError:  # the engine's registry has not landed in this tree
            return
        from reports.sources import report_sources

        register_source_provider(report_sources)
