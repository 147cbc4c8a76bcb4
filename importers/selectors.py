"""Reads that shape import jobs for pages and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from importers.models import ImportJob
from layers.models import Layer
from tenancy.access import import_agencies
from tenancy.models import City


def importable_layers(user: Any, city: City) -> QuerySet[Layer]:
    """The layers of `city` the user may import into (tenancy.access decides)."""
    return Layer.objects.filter(city=city, agency__in=import_agencies(user, city))


def jobs_for(user: Any, city: City) -> QuerySet[ImportJob]:
    """Jobs of the agencies the user may import for, in this city only."""
    return ImportJob.objects.filter(
        city=city, agency__in=import_agencies(user, city)
    ).select_related("layer", "agency")


def job_payload(job: ImportJob, *, with_preview: bool = False) -> dict[str, Any]:
    report = dict(job.report)
    rejected = report.pop("rejected", [])
    data: dict[str, Any] = {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "finished": job.finished,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "file": job.original_name,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "layer": job.layer.slug if job.layer else job.new_layer_slug,
        "error": job.error,
        "report": report or None,
        "rejected_first": rejected[:50],
        "rejected_csv": reverse(
            "importers-api:import-rejected",
            kwargs={"city_slug": job.city.slug, "job_id": job.pk},
        ),
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    if with_preview:
        data["preview"] = job.preview
    return data
