from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservationsConfig(AppConfig):
    name = "observations"
    verbose_name = _("Observations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from layers.engine.registry import register_source_provider
        from layers.engine.stats import register_stats_provider
        from observations import kit_parts
        from observations.sources import (
            observation_sources,
            observation_stats,
            resolve_observation_source,
        )

        kit_parts.register()
        register_source_provider(
            observation_sources, resolver=resolve_observation_source
        )
        register_stats_provider(observation_stats)
