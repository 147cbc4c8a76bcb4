from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_safe

from jobs import api
from layers.ogc.responses import read_only

app_name = "jobs-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("vacancies", read_only(require_safe(api.vacancies)), name="vacancies"),
    path("vacancies/<int:pk>", read_only(require_safe(api.vacancy)), name="vacancy"),
    path("figures", read_only(require_safe(api.planner_figures)), name="figures"),
    path("estates", read_only(require_safe(api.estates)), name="estates"),
]
