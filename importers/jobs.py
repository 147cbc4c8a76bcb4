"""Import jobs: upload (stored by the request), check and preview (in the worker),
confirm (queue), run in the worker, cancel, and recover jobs whose worker is gone.

Progress is written through a second, autocommit connection: the import itself runs in
one transaction that nobody else can see until it commits.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import psycopg
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from gis_platform.log import log_event
from importers.errors import ImportCancelled, ImportFailed
from importers.formats import ReadOptions, open_dataset
from importers.models import ImportJob
from importers.reader import inspect
from importers.safety import check_size
from importers.services import NewLayer, import_file, infer_schema, new_layer_slug
from layers import history
from layers.models import Layer, Visibility
from tenancy.models import Agency, City

logger = logging.getLogger(__name__)

PREVIEW_FEATURES = 20
UNEXPECTED = (
    "The import stopped on an unexpected error; nothing was changed. The platform's "
    "administrators can find the details in the worker's log."
)
WORKER_GONE = (
    "The worker handling this import stopped before it finished (it was killed or "
    "restarted); nothing was changed. Upload the file again to retry."
)
# The tasks that move an import job on (importers/tasks.py); each takes the job's id
# as `job_id`. Deferred by name, so this module does not import the tasks module
# (which imports this one).
QUEUE = "imports"
CHECK_TASK = "importers.check_upload"
RUN_TASK = "importers.run_import"
JOB_TASKS = (CHECK_TASK, RUN_TASK)


def _defer(task_name: str, job_id: int) -> None:
    from procrastinate.contrib.django import app

    app.configure_task(task_name, queue=QUEUE).defer(job_id=job_id)


# The complete list of rejected rows, beside the upload (the report keeps the first).
REJECTED_CSV = "rejected.csv"


def rejected_csv_path(job: ImportJob) -> Path | None:
    """Where the job's complete rejected-rows CSV lives (None: it has no upload)."""
    if not job.file:
        return None
    return Path(job.file.path).parent / REJECTED_CSV


def _options(job: ImportJob) -> ReadOptions:
    return ReadOptions(layer_name=job.layer_name or None, srid=job.srid)


def preview_file(path: Path, options: ReadOptions) -> dict[str, Any]:
    """What the file holds: format, count, CRS, schema, warnings, first features."""
    import pyogrio

    workdir = Path(tempfile.mkdtemp(prefix="petakota-preview-"))
    try:
        dataset = open_dataset(path, options, workdir)
        info = inspect(dataset)
        frame = pyogrio.read_dataframe(
            dataset.source,
            layer=dataset.layer,
            encoding=dataset.encoding,
            max_features=PREVIEW_FEATURES,
            **dataset.open_options,
        )
        warnings = [*dataset.warnings, *info.warnings]
        if frame.crs is None:
            srid = options.srid or dataset.implied_srid
            if srid is None:
                warnings.append(
                    "The file has no coordinate reference system: give its EPSG code."
                )
                frame = frame.iloc[0:0]
            else:
                frame = frame.set_crs(epsg=srid)
        if len(frame) and frame.crs is not None:
            frame, outside = _in_crs_range(frame)
            if outside:
                warnings.append(
                    f"{outside} of the first {PREVIEW_FEATURES} features have "
                    "coordinates outside the valid range of the coordinate system: "
                    "not shown, and rejected by the import."
                )
        if len(frame) and frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(epsg=4326)
            frame, _ = _in_crs_range(frame)
        frame = frame[frame.geometry.notna()]
        features = frame.__geo_interface__["features"] if len(frame) else []
        for feature in features:
            feature.pop("bbox", None)
            feature["properties"] = {
                str(k): _json_value(v) for k, v in feature["properties"].items()
            }
        return {
            "format": dataset.format,
            "file_layer": dataset.layer,
            "count": info.count,
            "crs": info.crs
            or (f"EPSG:{dataset.implied_srid}" if dataset.implied_srid else None),
            "geometry_type": info.geometry_type,
            "schema": infer_schema(info.columns),
            "warnings": warnings,
            "features": {"type": "FeatureCollection", "features": features},
        }
    except ImportFailed:
        raise
    except Exception as exc:  # GDAL read errors of any kind
        raise ImportFailed(f"Cannot read {path.name}: {exc}") from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _json_value(value: Any) -> Any:
    """A preview property as JSON PostgreSQL stores: dates as ISO text, missing values
    (NaN, NaT) as null, numpy scalars as Python numbers, bytes left out."""
    import math
    from datetime import date, time

    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "item") and not isinstance(value, date | time):
        value = value.item()  # numpy scalar
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date | time):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    text = str(value)
    return None if text in ("NaT", "nan", "<NA>") else text


def _in_crs_range(frame: Any) -> tuple[Any, int]:
    """(the rows whose coordinates lie in their CRS's range, how many did not).
    Bounds are read without GEOS's writers; NaN and infinity count as outside."""
    import numpy as np

    from importers.services import GEOGRAPHIC_BOUNDS, PROJECTED_BOUNDS

    xmin, ymin, xmax, ymax = (
        GEOGRAPHIC_BOUNDS if frame.crs.is_geographic else PROJECTED_BOUNDS
    )
    bounds = frame.geometry.bounds.to_numpy()
    # Missing and empty geometries have no coordinates to check (NaN bounds).
    empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    inside = empty | (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= xmin)
        & (bounds[:, 2] <= xmax)
        & (bounds[:, 1] >= ymin)
        & (bounds[:, 3] <= ymax)
    )
    return frame[inside], int((~inside).sum())


def create_job(
    *,
    user: Any,
    city: City,
    upload: UploadedFile,
    mode: str,
    layer: Layer | None = None,
    agency: Agency | None = None,
    new_layer_title: str = "",
    key: str = "",
    srid: int | None = None,
    layer_name: str = "",
    dry_run: bool = False,
) -> ImportJob:
    """Store the upload under MEDIA_ROOT and queue its check (unpacking and preview)
    for the worker: a request never unpacks or reads an archive. Raises ImportFailed
    (LayerConflict for a taken or reserved new-layer slug) before storing anything."""
    check_size(upload.size or 0, upload.name or "upload")
    name = Path(upload.name or "upload").name
    # Checked before anything is stored: a new layer is created new (409 on a clash).
    slug = new_layer_slug(city, new_layer_title) if layer is None else ""
    job = ImportJob(
        city=city,
        created_by=user if user.is_authenticated else None,
        agency=layer.agency if layer is not None else agency,
        layer=layer,
        new_layer_title=new_layer_title if layer is None else "",
        new_layer_slug=slug,
        original_name=name,
        mode=mode,
        key=key,
        srid=srid,
        layer_name=layer_name,
        dry_run=dry_run,
        status=ImportJob.Status.CHECKING,
    )
    job.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            _defer(CHECK_TASK, job.pk)
    except BaseException:
        remove_upload(job)
        raise
    return job


def check_job(job_id: int) -> ImportJob | None:
    """Unpack and preview a stored upload (in the worker). A file that cannot be read
    fails the job with the reason and its upload is removed; otherwise the job waits
    for confirmation (or is queued at once when that was asked for)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.CHECKING:
        return job  # purged or cancelled meanwhile, or checked already
    try:
        preview = preview_file(Path(job.file.path), _options(job))
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
            status=ImportJob.Status.PREVIEW, preview=preview, total=preview["count"]
        )
    except Exception as exc:
        if not isinstance(exc, ImportFailed):
            log_event(
                logger,
                "import.check_crashed",
                level=logging.ERROR,
                exc_info=True,
                job=job.pk,
            )
            exc = ImportFailed(UNEXPECTED)
        if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
            status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        ):
            log_event(
                logger,
                "import.check_failed",
                level=logging.WARNING,
                job=job.pk,
                error=str(exc),
            )
            remove_upload(job)
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    if job.confirm_when_checked:
        job = confirm_job(job)
    return job


def remove_upload(job: ImportJob) -> None:
    if job.file:
        shutil.rmtree(Path(job.file.path).parent, ignore_errors=True)


def confirm_job(job: ImportJob) -> ImportJob:
    """Queue the job for the worker (once); a job still being checked is queued as
    soon as its check succeeds."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.CHECKING:
            job.confirm_when_checked = True
            job.save(update_fields=["confirm_when_checked"])
            return job
        if job.status != ImportJob.Status.PREVIEW:
            return job
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["status"])
        _defer(RUN_TASK, job.pk)
    return job


def cancel_job(job: ImportJob) -> ImportJob:
    """Cancel a job not yet finished; a running import notices and rolls back (and
    sets the finish time); any other job is finished now."""
    updated = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[
            ImportJob.Status.CHECKING,
            ImportJob.Status.PREVIEW,
            ImportJob.Status.QUEUED,
            ImportJob.Status.RUNNING,
        ],
    ).update(status=ImportJob.Status.CANCELLED)
    job.refresh_from_db()
    if updated and job.started_at is None:
        job.finished_at = timezone.now()
        job.save(update_fields=["finished_at"])
    return job


class _ProgressWriter:
    """Writes progress through its own autocommit connection, and notices a cancel."""

    def __init__(self, job_id: int) -> None:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.job_id = job_id
        self.table = ImportJob._meta.db_table

    def __call__(self, phase: str, done: int, total: int) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(
                psycopg.sql.SQL(
                    "UPDATE {} SET phase = %s, done = %s, total = %s WHERE id = %s "
                    "RETURNING status"
                ).format(psycopg.sql.Identifier(self.table)),
                [phase, done, total, self.job_id],
            )
            row = cursor.fetchone()
        if row is not None and row[0] == ImportJob.Status.CANCELLED:
            raise ImportCancelled("The import was cancelled; nothing was changed.")

    def close(self) -> None:
        self.conn.close()


def run_job(job_id: int) -> ImportJob | None:
    """Run a queued job (in the worker). The outcome is stored on the job."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.QUEUED
    ).update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    job = (
        ImportJob.objects.select_related("layer", "agency", "city")
        .filter(pk=job_id)
        .first()
    )
    if not claimed or job is None:
        return job
    if job.layer is None and not job.new_layer_slug:
        # Its layer was deleted after the upload (the job keeps no slug to create).
        job.status = ImportJob.Status.FAILED
        job.error = "The layer to import into was deleted; nothing was imported."
        job.finished_at = timezone.now()
        job.save()
        return job
    log_event(
        logger,
        "import.started",
        job=job.pk,
        city_id=job.city_id,
        layer=job.layer_id,
        mode=job.mode,
        dry_run=job.dry_run,
    )
    writer = _ProgressWriter(job.pk)
    new_layer = None
    if job.layer is None:
        new_layer = NewLayer(
            city=job.city,
            slug=job.new_layer_slug,
            title=job.new_layer_title,
            agency=job.agency,
            # A new upload stays a draft (its agency only) until published on
            # purpose (layers/manage/).
            visibility=Visibility.DRAFT,
        )
    try:
        # Who and which job, on every history event the import writes.
        with history.change_context(
            user=job.created_by_id, import_job=job.pk, note=f"import ({job.mode})"
        ):
            report = import_file(
                Path(job.file.path),
                layer=job.layer,
                new_layer=new_layer,
                mode=job.mode,
                key=job.key or None,
                options=_options(job),
                dry_run=job.dry_run,
                progress=writer,
                rejected_csv=rejected_csv_path(job),
            )
    except ImportCancelled as exc:
        job.status, job.error = ImportJob.Status.CANCELLED, str(exc)
    except ImportFailed as exc:
        job.status, job.error = ImportJob.Status.FAILED, str(exc)
    except Exception:
        # Still a finished job with a reason, never one left "running"; the details
        # (which may name server paths or SQL) go to the worker's log only.
        log_event(
            logger, "import.crashed", level=logging.ERROR, exc_info=True, job=job.pk
        )
        job.status, job.error = ImportJob.Status.FAILED, UNEXPECTED
    else:
        job.status = ImportJob.Status.SUCCEEDED
        job.report = report.as_dict()
        if job.layer is None and not job.dry_run:
            job.layer = Layer.objects.filter(
                city=job.city, slug=job.new_layer_slug
            ).first()
    finally:
        writer.close()
    job.refresh_from_db(fields=["phase", "done", "total"])
    if job.status != ImportJob.Status.CANCELLED and (
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CANCELLED).exists()
    ):
        # Cancelled after the last progress check but before we got here: the import
        # already committed, so report what happened rather than pretend otherwise.
        job.error = "Cancelled too late: the import had already finished."
    job.finished_at = timezone.now()
    job.save()
    failed = job.status == ImportJob.Status.FAILED
    log_event(
        logger,
        "import.failed" if failed else "import.finished",
        level=logging.WARNING if failed else logging.INFO,
        job=job.pk,
        status=job.status,
        layer=job.layer_id,
        error=job.error or None,
    )
    return job


@dataclass
class Purged:
    finished: int = 0
    abandoned: int = 0


def purge_jobs(
    *, days: int, preview_hours: int, dry_run: bool = False, now: datetime | None = None
) -> Purged:
    """Delete import jobs and their files (upload, rejected-rows CSV): jobs finished
    more than `days` ago, and uploads previewed but never confirmed for
    `preview_hours`. Queued and running jobs are never touched."""
    now = now or timezone.now()
    finished = ImportJob.objects.filter(
        status__in=ImportJob.FINISHED, finished_at__lt=now - timedelta(days=days)
    )
    abandoned = ImportJob.objects.filter(
        status=ImportJob.Status.PREVIEW,
        created_at__lt=now - timedelta(hours=preview_hours),
    )
    purged = Purged(finished=finished.count(), abandoned=abandoned.count())
    if dry_run:
        return purged
    for jobs in (finished, abandoned):
        for job in jobs.iterator():
            remove_upload(job)
            job.delete()
    return purged


@dataclass
class Recovered:
    stalled_tasks: int = 0
    failed: int = 0
    cancelled: int = 0


def recover_jobs(*, seconds_since_heartbeat: float) -> Recovered:
    """Finish the import jobs no worker will ever finish.

    procrastinate's own stalled-job query finds the tasks of the imports queue left
    "doing" by a worker that sent no heartbeat for `seconds_since_heartbeat` (killed,
    or its machine gone); they are marked failed. Then every import job that waits on
    a worker (checking, queued, running) but has no task left to do it is failed
    with a clear message, and a cancelled job without a finish time gets one, so the
    purge removes it and its upload. The layer needs no repair: an import writes in
    one transaction, which died with its worker."""
    from procrastinate import jobs as task_states
    from procrastinate import sql as task_sql
    from procrastinate.contrib.django.django_connector import DjangoConnector
    from procrastinate.contrib.django.models import ProcrastinateJob

    recovered = Recovered()
    # procrastinate's own queries (those behind JobManager.get_stalled_jobs and
    # finish_job_by_id_async) through its Django connector's synchronous methods: the
    # async manager needs async_to_sync, which refuses to run in a thread that has an
    # event loop (a Playwright test, an ASGI caller).
    connector = DjangoConnector()
    stalled = [
        task_states.Job.from_row(row)
        for row in connector.execute_query_all(
            query=task_sql.queries["select_stalled_jobs_by_heartbeat"],
            queue=QUEUE,
            task_name=None,
            seconds_since_heartbeat=seconds_since_heartbeat,
        )
    ]
    for task in stalled:
        try:
            connector.execute_query(
                query=task_sql.queries["finish_job"],
                # A job read back from procrastinate's table has its id (None is
                # only a job not yet deferred).
                job_id=cast(int, task.id),
                status=task_states.Status.FAILED.value,
                delete_job=False,
            )
        except Exception:  # finished meanwhile by someone else
            log_event(
                logger, "import.task_not_failed", level=logging.WARNING, task=task.id
            )
        else:
            log_event(
                logger,
                "import.task_failed_stalled",
                level=logging.WARNING,
                task=task.id,
                task_name=task.task_name,
                kwargs=task.task_kwargs,
            )
            recovered.stalled_tasks += 1
    alive = (
        ProcrastinateJob.objects.filter(
            task_name__in=JOB_TASKS, status__in=["todo", "doing"]
        )
        .annotate(
            import_job=Cast(KeyTextTransform("job_id", "args"), BigIntegerField())
        )
        .filter(import_job=OuterRef("pk"))
    )
    now = timezone.now()
    recovered.failed = (
        ImportJob.objects.filter(status__in=ImportJob.ACTIVE)
        .filter(~Exists(alive))
        .update(status=ImportJob.Status.FAILED, error=WORKER_GONE, finished_at=now)
    )
    recovered.cancelled = (
        ImportJob.objects.filter(status=ImportJob.Status.CANCELLED, finished_at=None)
        .filter(~Exists(alive))
        .update(finished_at=now)
    )
    if recovered.failed or recovered.cancelled:
        log_event(
            logger,
            "import.recovered",
            level=logging.WARNING,
            failed=recovered.failed,
            cancelled_finished=recovered.cancelled,
        )
    return recovered
