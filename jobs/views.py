"""HTML pages of the jobs app: the job seekers' list + map with "near me" and a page
per vacancy (schema.org JobPosting), the employers' posting page and Disnaker's
moderation queue."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gis_platform.http import set_cache
from jobs.choices import Education, EmploymentType, Sector
from jobs.dates import city_today
from jobs.models import Occupation, Vacancy
from jobs.policy import employers_for, may_moderate, may_post, vacancy_roles
from jobs.selectors import (
    DEFAULT_WITHIN_KM,
    distance_m,
    job_posting,
    moderation_queue,
    parse_search,
    public_vacancy,
    search_vacancies,
    vacancy_payload,
)
from jobs.services import EDITABLE, JobError, edit_vacancy, post_vacancy, transition
from jobs.workflow import VACANCY_WORKFLOW, Status
from tenancy.models import AdminArea, City
from tenancy.resolve import city_or_404

# What json.dumps leaves that could end a <script> element or open a comment in it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data: dict[str, Any]) -> SafeString:
    """JSON for a <script type="application/ld+json"> element: `<`, `>` and `&`
    escaped as JSON escapes (as Django's json_script does), so no text of a vacancy
    can close the element or inject markup."""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 (escaped above)


def _bounds(city: City) -> list[list[float]]:
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def _choices() -> dict[str, Any]:
    return {
        "sectors": Sector.choices,
        "educations": Education.choices,
        "employment_types": EmploymentType.choices,
    }


def _api(city: City, name: str) -> str:
    return reverse(f"jobs-api:{name}", kwargs={"city_slug": city.slug})


def _distance_label(metres: float | None) -> str:
    if metres is None:
        return ""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def job_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    """/<city>/jobs/: filters, "near me" (the phone's position or a kelurahan), the
    list (nearest first with distances when near) and the map."""
    city = city_or_404(city_slug)
    search = parse_search(city, request.GET)
    vacancies = search_vacancies(city, search)
    rows = [(v, d, _distance_label(d)) for v in vacancies for d in [distance_m(v)]]
    config = {
        "bounds": _bounds(city),
        "near": [search.point.x, search.point.y] if search.point else None,
        "withinKm": search.within_km,
        "vacancies": [
            {
                "id": v.pk,
                "title": v.title,
                "employer": v.employer.name,
                "lon": round(v.geom.x, 6),
                "lat": round(v.geom.y, 6),
                "url": reverse("jobs:vacancy", args=[city.slug, v.pk]),
            }
            for v in vacancies
        ],
        "urls": {
            "estates": _api(city, "estates"),
            "boundaries": reverse(
                "api:boundaries", kwargs={"city_slug": city.slug, "level": "kecamatan"}
            ),
        },
        "text": {
            "vacancies": _("vacancies"),
            "openings": _("openings"),
            "noLocation": _("Your position could not be found. Choose a kelurahan."),
        },
    }
    response = render(
        request,
        "jobs/list.html",
        {
            "city": city,
            "search": search,
            "rows": rows,
            "occupations": Occupation.objects.filter(city=city, active=True),
            "kelurahan": AdminArea.objects.filter(
                city=city, level=AdminArea.Level.KELURAHAN
            ).order_by("name"),
            "config": config,
            "default_within_km": DEFAULT_WITHIN_KM,
            "may_post": may_post(request.user, city),
            "may_moderate": may_moderate(request.user, city),
            **_choices(),
        },
        status=400 if search.errors else 200,
    )
    return set_cache(response, public=False)


def vacancy_page(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    """One vacancy, with its schema.org JobPosting. A vacancy the public may not see
    (draft, waiting, rejected, closed, past its date) is a 404, except for its
    employer and Disnaker, who see it as a preview (no JSON-LD)."""
    city = city_or_404(city_slug)
    vacancy = public_vacancy(city, pk)
    preview = False
    if vacancy is None:
        vacancy = (
            Vacancy.objects.filter(city=city, pk=pk)
            .select_related("employer", "occupation", "kelurahan", "kecamatan")
            .first()
        )
        if vacancy is None or not vacancy_roles(request.user, vacancy):
            raise Http404(_("No such vacancy."))
        preview = True
    url = request.build_absolute_uri(reverse("jobs:vacancy", args=[city.slug, pk]))
    context = {
        "city": city,
        "v": vacancy,
        "data": vacancy_payload(vacancy),
        "preview": preview,
        "json_ld": None if preview else json_ld(job_posting(city, vacancy, url)),
        "config": {"point": [vacancy.geom.y, vacancy.geom.x]},
        "events": vacancy.events.select_related("actor") if preview else [],
    }
    response = render(request, "jobs/vacancy.html", context)
    return set_cache(response, public=False)


@require_http_methods(["GET", "POST"])
def post_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Employers (and Disnaker for them) post a vacancy; it waits for moderation.
    Below the form: the poster's vacancies with their status and any rejection."""
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    employers = employers_for(request.user, city)
    if not employers.exists():
        raise PermissionDenied(
            _("Only employers registered with Disnaker, and Disnaker, post vacancies.")
        )
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            vacancy = post_vacancy(
                city=city,
                user=request.user,
                data=values,
                submit=request.POST.get("action") != "draft",
            )
        except JobError as exc:
            errors = exc.errors
        else:
            return redirect(
                reverse("jobs:post", args=[city.slug]) + f"?posted={vacancy.pk}"
            )
    mine = (
        Vacancy.objects.filter(city=city, employer__in=employers)
        .select_related("employer")
        .order_by("-created_at")[:100]
    )
    response = render(
        request,
        "jobs/post.html",
        {
            "city": city,
            "employers": employers,
            "occupations": Occupation.objects.filter(city=city, active=True),
            "values": values,
            "errors": errors,
            "mine": [(v, _actions(request.user, v)) for v in mine],
            "editable": EDITABLE,
            "posted": request.GET.get("posted"),
            "today": city_today(city).isoformat(),
            "config": {"bounds": _bounds(city)},
            **_choices(),
        },
        status=400 if errors else 200,
    )
    return set_cache(response, public=False)


def _form_values(vacancy: Vacancy) -> dict[str, str]:
    """A vacancy as the posting form's values (strings, as a POST would give)."""
    fields = (
        "title",
        "description",
        "sector",
        "education",
        "employment_type",
        "address",
        "apply_url",
        "apply_address",
    )
    values = {name: str(getattr(vacancy, name)) for name in fields}
    for name in ("openings", "experience_years", "salary_min", "salary_max"):
        value = getattr(vacancy, name)
        values[name] = "" if value is None else str(value)
    values.update(
        employer=str(vacancy.employer_id),
        occupation=vacancy.occupation.code,
        lon=f"{vacancy.geom.x:.6f}",
        lat=f"{vacancy.geom.y:.6f}",
        posted_on=vacancy.posted_on.isoformat(),
        closes_on=vacancy.closes_on.isoformat(),
    )
    return values


@require_http_methods(["GET", "POST"])
def edit_page(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    """Its employer (or Disnaker) corrects a draft or rejected vacancy on the posting
    form, then saves it or sends it to Disnaker again."""
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    vacancy = (
        Vacancy.objects.filter(city=city, pk=pk).select_related("occupation").first()
    )
    if vacancy is None or not vacancy_roles(request.user, vacancy):
        raise Http404(_("No such vacancy."))
    back = reverse("jobs:post", args=[city.slug])
    errors: dict[str, str] = {}
    values = _form_values(vacancy)
    if vacancy.status not in EDITABLE:
        errors = {"status": _("Only a draft or a rejected vacancy can be edited.")}
    elif request.method == "POST":
        values = request.POST.dict()
        try:
            edit_vacancy(
                vacancy=vacancy,
                user=request.user,
                data=values,
                submit=request.POST.get("action") == "submit",
            )
        except JobError as exc:
            errors = exc.errors
        else:
            return redirect(f"{back}?done={vacancy.pk}")
    response = render(
        request,
        "jobs/post.html",
        {
            "city": city,
            "editing": vacancy,
            "employers": employers_for(request.user, city),
            "occupations": Occupation.objects.filter(city=city, active=True),
            "values": values,
            "errors": errors,
            "today": city_today(city).isoformat(),
            "config": {"bounds": _bounds(city)},
            **_choices(),
        },
        status=400 if errors else 200,
    )
    return set_cache(response, public=False)


def _actions(user: Any, vacancy: Vacancy) -> list[tuple[str, str]]:
    """(status, label) a person may move this vacancy to, rejection excepted (it
    needs the moderation page's reason)."""
    roles = vacancy_roles(user, vacancy)
    labels = dict(Status.choices)
    return [
        (target, str(labels[target]))
        for target in VACANCY_WORKFLOW.targets(vacancy.status, roles)
        if target != Status.REJECTED
    ]


def moderate_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Disnaker's queue: vacancies awaiting moderation, oldest first."""
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_moderate(request.user, city):
        raise PermissionDenied(_("Only Disnaker staff moderate vacancies."))
    response = render(
        request,
        "jobs/moderate.html",
        {
            "city": city,
            "queue": moderation_queue(city),
            "done": request.GET.get("done"),
        },
    )
    return set_cache(response, public=False)


@require_POST
def change_status(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    """Publish, reject (with a reason), submit or close a vacancy; who may is the
    workflow's and jobs.policy's answer. Back to the page the form was on."""
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    vacancy = Vacancy.objects.filter(city=city, pk=pk).first()
    if vacancy is None or not vacancy_roles(request.user, vacancy):
        raise Http404(_("No such vacancy."))
    back = (
        reverse("jobs:moderate", args=[city.slug])
        if request.POST.get("from") == "moderate"
        else reverse("jobs:post", args=[city.slug])
    )
    try:
        transition(
            vacancy=vacancy,
            to_status=request.POST.get("status", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except JobError as exc:
        response = render(
            request,
            "jobs/refused.html",
            {"city": city, "v": vacancy, "errors": exc.errors, "back": back},
            status=400,
        )
        return set_cache(response, public=False)
    return redirect(f"{back}?done={vacancy.pk}")
