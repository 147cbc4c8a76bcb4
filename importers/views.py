"""HTML pages: upload, preview on a map, confirm, and watch the import run."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from importers import jobs
from importers.errors import ImportFailed
from importers.forms import UploadForm
from importers.selectors import importable_layers, job_payload, jobs_for
from tenancy.access import import_agencies
from tenancy.models import City
from tenancy.resolve import city_or_404


def _city_for_editor(request: HttpRequest, city_slug: str) -> City:
    city = city_or_404(city_slug)
    if not import_agencies(request.user, city).exists():
        raise PermissionDenied
    return city


@login_required
def upload(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city_for_editor(request, city_slug)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        layers=importable_layers(request.user, city),
        agencies=import_agencies(request.user, city),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = jobs.create_job(
                user=request.user,
                city=city,
                upload=data["file"],
                mode=data["mode"],
                layer=data["layer"],
                agency=data["agency"],
                new_layer_title=data["title"],
                key=data["key"],
                srid=data["srid"],
                layer_name=data["layer_name"],
                dry_run=data["dry_run"],
            )
        except ImportFailed as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("importers:job", city_slug=city.slug, job_id=job.pk)
    recent = jobs_for(request.user, city)[:10]
    return render(
        request,
        "importers/upload.html",
        {"city": city, "form": form, "recent": recent},
    )


@login_required
def job_page(request: HttpRequest, city_slug: str, job_id: int) -> HttpResponse:
    city = _city_for_editor(request, city_slug)
    job = get_object_or_404(jobs_for(request.user, city), pk=job_id)
    return render(
        request,
        "importers/job.html",
        {"city": city, "job": job, "payload": job_payload(job, with_preview=True)},
    )


@login_required
@require_POST
def confirm(request: HttpRequest, city_slug: str, job_id: int) -> HttpResponse:
    city = _city_for_editor(request, city_slug)
    job = get_object_or_404(jobs_for(request.user, city), pk=job_id)
    jobs.confirm_job(job)
    return redirect("importers:job", city_slug=city.slug, job_id=job.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, city_slug: str, job_id: int) -> HttpResponse:
    city = _city_for_editor(request, city_slug)
    job = get_object_or_404(jobs_for(request.user, city), pk=job_id)
    jobs.cancel_job(job)
    return redirect("importers:job", city_slug=city.slug, job_id=job.pk)


@login_required
def status(request: HttpRequest, city_slug: str, job_id: int) -> JsonResponse:
    city = _city_for_editor(request, city_slug)
    job = get_object_or_404(jobs_for(request.user, city), pk=job_id)
    return JsonResponse(job_payload(job))
