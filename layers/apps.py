from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Cities and map layers")

    def ready(self) -> None:
        from layers import (
            kit_parts,
            signals,  # noqa: F401 - connects the receivers
        )

        kit_parts.register()
        from layers import sources

        sources.register()
