from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Job vacancies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs import kit_parts
        from jobs.choices import Education, EmploymentType
        from jobs.sources import job_sources
        from layers.engine.registry import register_source_provider
        from layers.popups import register_coded_values

        # The map's popups show coded values in the page's language.
        register_coded_values(
            "employment_type", lambda: {c.value: str(c.label) for c in EmploymentType}
        )
        register_coded_values(
            "education", lambda: {c.value: str(c.label) for c in Education}
        )
        kit_parts.register()
        register_source_provider(job_sources)
