"""Vacancies as a source of the serving engine (layers/engine/): the city map, vector
tiles, OGC API Features (CQL2), the JSON API's spatial queries and exports.

Public columns only: published vacancies, posted by today and not past their closing
date (today in the city's zone), with the employer's public name — never its contact
details, a draft, a vacancy waiting for moderation, a rejected or a closed one.
Table and column names come from `_meta`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from jobs.dates import city_today
from jobs.models import Employer, Occupation, Vacancy
from jobs.workflow import Status
from layers.engine.sources import LayerSource, Queryable
from layers.local_time import city_zone
from tenancy.models import AdminArea

KEY = "jobs"


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name!r} is not a column of {model.__name__}.")
    return field.column


def _fields() -> tuple[dict[str, Any], ...]:
    labels = (
        ("title", "text", _("Job title")),
        ("employer", "text", _("Employer")),
        ("employer_verified", "boolean", _("Verified employer")),
        ("occupation", "text", _("Occupation code (KBJI)")),
        ("occupation_name", "text", _("Occupation")),
        ("sector", "text", _("Sector (KBLI)")),
        ("openings", "integer", _("Openings")),
        ("education", "text", _("Minimum education")),
        ("experience_years", "integer", _("Experience (years)")),
        ("salary_min", "integer", _("Salary from (IDR/month)")),
        ("salary_max", "integer", _("Salary to (IDR/month)")),
        ("employment_type", "text", _("Employment type")),
        ("kelurahan", "text", _("Kelurahan")),
        ("kecamatan", "text", _("Kecamatan")),
        ("apply_url", "text", _("Apply online")),
        ("apply_address", "text", _("Apply in person")),
        ("posted_on", "date", _("Posted on")),
        ("closes_on", "date", _("Closes on")),
        ("demo", "boolean", _("Demo data")),
    )
    return tuple({"name": n, "type": t, "label": str(label)} for n, t, label in labels)


def job_source(city: Any, today: date | None = None) -> LayerSource | None:
    today = today or city_today(city)
    t_emp = Employer._meta.db_table
    t_occ = Occupation._meta.db_table
    t_area = AdminArea._meta.db_table
    employer = f"t.{_col(Vacancy, 'employer')}"
    occupation = f"t.{_col(Vacancy, 'occupation')}"

    # Names from _meta, not from a request; values are bound parameters.
    def emp(column: str) -> str:
        return f"(SELECT e.{column} FROM {t_emp} e WHERE e.id = {employer})"  # noqa: S608

    def occ(column: str) -> str:
        return f"(SELECT o.{column} FROM {t_occ} o WHERE o.id = {occupation})"  # noqa: S608

    def area(name: str) -> str:
        return f"(SELECT a.name FROM {t_area} a WHERE a.id = t.{_col(Vacancy, name)})"  # noqa: S608

    properties = (
        "jsonb_build_object("
        "'title', t.title, "
        f"'employer', {emp('name')}, "
        f"'employer_verified', {emp('verified')}, "
        f"'occupation', {occ('code')}, "
        f"'occupation_name', {occ('name')}, "
        "'sector', t.sector, 'openings', t.openings, 'education', t.education, "
        "'experience_years', t.experience_years, "
        "'salary_min', t.salary_min, 'salary_max', t.salary_max, "
        "'employment_type', t.employment_type, "
        f"'kelurahan', {area('kelurahan')}, 'kecamatan', {area('kecamatan')}, "
        "'apply_url', nullif(t.apply_url, ''), "
        "'apply_address', nullif(t.apply_address, ''), "
        "'posted_on', t.posted_on, 'closes_on', t.closes_on, 'demo', t.demo)"
    )
    # One query: the version's inputs and whether the city publishes vacancies at
    # all (its occupation code list, a kit part) — a city without lists no layer.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(updated_at), count(*), "  # noqa: S608 - table names from _meta
            f"EXISTS (SELECT 1 FROM {t_occ} WHERE city_id = %s) "
            f"FROM {Vacancy._meta.db_table} WHERE city_id = %s",
            [city.pk, city.pk],
        )
        latest, count, offered = cursor.fetchone()
    rows = {"latest": latest, "rows": count, "offered": offered}
    latest_ms = int(rows["latest"].timestamp() * 1000) if rows["latest"] else 0
    # The city's midnight moves the version too (vacancies closing yesterday leave).
    midnight = datetime.combine(today, time(0), city_zone(city))
    latest_ms = max(latest_ms, int(midnight.timestamp() * 1000))
    text = {
        name: Queryable(sql=sql, type="text")
        for name, sql in (
            ("title", "t.title"),
            ("occupation", occ("code")),
            ("sector", "t.sector"),
            ("education", "t.education"),
            ("employment_type", "t.employment_type"),
            ("employer", emp("name")),
        )
    }
    numbers = {
        name: Queryable(sql=f"t.{name}", type="integer")
        for name in ("openings", "experience_years", "salary_min", "salary_max")
    }
    dates = {
        name: Queryable(sql=f"t.{name}", type="date")
        for name in ("posted_on", "closes_on")
    }
    if not (rows["rows"] or rows["offered"]):
        return None
    return LayerSource(
        key=KEY,
        title="Lowongan kerja",
        relation=Vacancy._meta.db_table,
        dimension="economy",
        city_id=city.pk,
        geom_column=_col(Vacancy, "geom"),
        properties_sql=properties,
        where=("t.status = %s", "t.posted_on <= %s", "t.closes_on >= %s"),
        params=(Status.PUBLISHED.value, today, today),
        queryables={**text, **numbers, **dates},
        datetime_sql="t.posted_on::timestamp AT TIME ZONE 'UTC'",
        datetime_end_sql="t.closes_on::timestamp AT TIME ZONE 'UTC'",
        # Changes and deletions move the version; so does the city's midnight.
        version=latest_ms * 1000 + rows["rows"] % 1000,
        versioned=True,
        geometry_type="Point",
        # Matches the vacancy_geog_gist index expression.
        geog_sql=f"t.{_col(Vacancy, 'geom')}::geography(Point,4326)",
        tile_properties=("title", "occupation", "employment_type", "openings"),
        description="Job vacancies moderated by Disnaker (open ones only).",
        style={"color": "#7c3aed"},
        fields=_fields(),
    )


def job_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    """Registry provider: the public vacancies layer, for everyone."""
    if key is None or key == KEY:
        source = job_source(city)
        return [source] if source is not None else []
    return []
