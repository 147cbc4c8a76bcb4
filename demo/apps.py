from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (Kota Tangerang's places, `load_demo`): the top of the app order,
    nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
    default_auto_field = "django.db.models.BigAutoField"
