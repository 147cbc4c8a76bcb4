"""Reads of the jobs app that shape output: the public list (filters, "near me"),
one vacancy's page with its schema.org JobPosting, the planners' figures, vacancies
grouped by industrial estate, and the moderation queue."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, check_lon_lat, parse_float, parse_int
from jobs.choices import Education, EmploymentType, Sector
from jobs.dates import city_today
from jobs.db_functions import (
    BoxOverlaps,
    GeogEnvelope,
    GeogPoint,
    KnnDistance,
    SphereDistance,
    envelope,
)
from jobs.models import Employer, Occupation, Vacancy
from jobs.workflow import Status
from layers.choices import Visibility
from layers.local_time import city_zone
from layers.models import Feature, Layer
from tenancy.models import SRID, AdminArea, City

# The demo's (and the starter kit's) layer of industrial estates from OpenStreetMap;
# a vacancy within ESTATE_RADIUS_M of one of its places is grouped under it.
ESTATE_LAYER = "kawasan-industri"
ESTATE_RADIUS_M = 1500
DEFAULT_WITHIN_KM = 10.0
MAX_WITHIN_KM = 50.0
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def public_vacancies(city: City, today: date | None = None) -> QuerySet[Vacancy]:
    return Vacancy.objects.public(city.pk, today or city_today(city))


@dataclass
class Search:
    """A job seeker's question, checked: filters and, for "near me", a point."""

    occupation: str = ""
    sector: str = ""
    education: str = ""
    employment_type: str = ""
    salary: int | None = None
    point: Point | None = None
    kelurahan: AdminArea | None = None
    within_km: float = DEFAULT_WITHIN_KM
    limit: int = PAGE_SIZE
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def near(self) -> bool:
        return self.point is not None


def parse_search(city: City, params: Any) -> Search:
    """Read the list's query string; every bad value is named in `errors` (the API
    answers 400, the page shows it and ignores that filter)."""
    s = Search()

    def choice(name: str, values: list[str]) -> str:
        value = params.get(name) or ""
        if value and value not in values:
            s.errors[name] = _("Choose one of the listed values.")
            return ""
        return str(value)

    s.sector = choice("sector", Sector.values)
    s.education = choice("education", Education.values)
    s.employment_type = choice("employment_type", EmploymentType.values)
    occupation = params.get("occupation") or ""
    if occupation:
        known = Occupation.objects.filter(city=city, code=occupation).exists()
        if not known:
            s.errors["occupation"] = _("Choose an occupation from the KBJI list.")
        else:
            s.occupation = occupation
    try:
        if params.get("salary"):
            s.salary = parse_int(params["salary"], "salary", minimum=0, maximum=2**31)
        if params.get("limit"):
            s.limit = parse_int(
                params["limit"], "limit", minimum=1, maximum=MAX_PAGE_SIZE
            )
    except EdgeError as exc:
        s.errors[exc.field] = _("A whole number.")
    try:
        if params.get("within_km"):
            s.within_km = parse_float(
                params["within_km"], "within_km", minimum=0.1, maximum=MAX_WITHIN_KM
            )
    except EdgeError:
        s.errors["within_km"] = _("A distance from 0.1 to %(n)d km.") % {
            "n": MAX_WITHIN_KM
        }
    lon, lat, kelurahan = params.get("lon"), params.get("lat"), params.get("kelurahan")
    if lon or lat:
        try:
            x = parse_float(lon, "lon")
            y = parse_float(lat, "lat")
            check_lon_lat(x, y, "location")
            s.point = Point(x, y, srid=SRID)
        except EdgeError:
            s.errors["location"] = _("The location is not a valid coordinate.")
    elif kelurahan:
        area = AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KELURAHAN, code=str(kelurahan)
        ).first()
        if area is None:
            s.errors["kelurahan"] = _("Choose a kelurahan of this city.")
        else:
            s.kelurahan = area
            s.point = area.geom.point_on_surface
    return s


def _with_names(qs: QuerySet[Vacancy]) -> QuerySet[Vacancy]:
    """With the employer, occupation and area rows the payload names, without the
    areas' boundaries (a large polygon each, parsed for nothing)."""
    return qs.select_related("employer", "occupation", "kelurahan", "kecamatan").defer(
        "kelurahan__geom", "kecamatan__geom"
    )


def search_vacancies(city: City, search: Search) -> list[Vacancy]:
    """Published, open vacancies matching the filters; with a point, only those within
    `within_km`, nearest first (KNN on the geography index), each with `distance_m`;
    without, newest first."""
    return list(_searched(_with_names(public_vacancies(city)), search))


def search_body(city: City, search: Search, today: date | None = None) -> str:
    """The JSON API's whole response body for `search`: ONE parameterised statement
    whose JSON PostgreSQL builds (json_build_object / json_agg), with the same keys
    and values as `vacancy_payload` (plus "near", "within_km", "count").

    Near a point it keeps `near`'s plan: the GiST index on the geography cast answers
    the box condition and the `<->` order, so the LIMIT stops its scan."""
    sql, params = search_sql(city, search, today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return str(row[0]) if row else "{}"


def _labels() -> str:
    """The choices' labels in the active language, as one JSON object per list
    (`sector`, `education`, `employment_type`) for the statement to look up."""
    return json.dumps(
        {
            "sector": {k: str(v) for k, v in Sector.choices},
            "education": {k: str(v) for k, v in Education.choices},
            "employment_type": {k: str(v) for k, v in EmploymentType.choices},
        }
    )


def search_sql(
    city: City, search: Search, today: date | None = None
) -> tuple[str, dict[str, Any]]:
    """The statement `search_body` runs, and its parameters. Table names come from
    _meta and conditions from fixed fragments; every value the user gave is a
    parameter."""
    point = search.point
    params: dict[str, Any] = {
        "city": city.pk,
        "published": Status.PUBLISHED.value,
        "today": today or city_today(city),
        "limit": search.limit,
        "labels": _labels(),
        "near": json.dumps([point.x, point.y]) if point is not None else "null",
        "within_km": search.within_km if point is not None else None,
    }
    where = [
        "v.city_id = %(city)s",
        "v.status = %(published)s",
        "v.closes_on >= %(today)s",
        "v.posted_on <= %(today)s",
    ]
    if search.occupation:
        where.append("o.code = %(occupation)s")
        params["occupation"] = search.occupation
    if search.sector:
        where.append("v.sector = %(sector)s")
        params["sector"] = search.sector
    if search.employment_type:
        where.append("v.employment_type = %(employment_type)s")
        params["employment_type"] = search.employment_type
    if search.education:
        # "My education": vacancies asking for at most that level.
        levels = Education.values
        where.append("v.education = ANY(%(education)s)")
        params["education"] = levels[: levels.index(search.education) + 1]
    if search.salary is not None:
        where.append(
            "(v.salary_max >= %(salary)s"
            " OR (v.salary_max IS NULL AND v.salary_min >= %(salary)s))"
        )
        params["salary"] = search.salary
    # The expression the vacancy_geog_gist index is built on.
    geog = "(v.geom)::geography(POINT,4326)"
    if point is None:
        distance = "NULL::float8"
        order = "v.posted_on DESC, v.id DESC"
    else:
        params["point"] = point.ewkt
        params["radius_m"] = search.within_km * 1000
        params["x0"], params["y0"], params["x1"], params["y1"] = envelope(
            point, search.within_km * 1000
        )
        # On the sphere, like `<->` (see `near`).
        distance = f"ST_Distance({geog}, ST_GeogFromText(%(point)s), false)"
        where.append(
            f"{geog} && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"
            "::geography"
        )
        where.append(f"{distance} <= %(radius_m)s")
        order = f"{geog} <-> ST_GeogFromText(%(point)s)"
    t_vacancy = Vacancy._meta.db_table
    t_employer = Employer._meta.db_table
    t_occupation = Occupation._meta.db_table
    t_area = AdminArea._meta.db_table
    sql = f"""
        WITH labels AS (SELECT %(labels)s::jsonb AS l),
        found AS (
            SELECT json_build_object(
                'id', v.id,
                'title', v.title,
                'description', v.description,
                'employer', e.name,
                'employer_verified', e.verified,
                'occupation', o.code,
                'occupation_name', o.name,
                'sector', v.sector,
                'sector_name', labels.l -> 'sector' ->> v.sector,
                'openings', v.openings,
                'education', v.education,
                'education_name', labels.l -> 'education' ->> v.education,
                'experience_years', v.experience_years,
                'salary_min', v.salary_min,
                'salary_max', v.salary_max,
                'employment_type', v.employment_type,
                'employment_type_name',
                    labels.l -> 'employment_type' ->> v.employment_type,
                'kelurahan', l.name,
                'kecamatan', k.name,
                'address', v.address,
                'apply_url', v.apply_url,
                'apply_address', v.apply_address,
                'posted_on', v.posted_on,
                'closes_on', v.closes_on,
                'lon', round(ST_X(v.geom)::numeric, 6)::float8,
                'lat', round(ST_Y(v.geom)::numeric, 6)::float8,
                'distance_m', round(({distance})::numeric, 1)::float8,
                'demo', v.demo
            ) AS j
            FROM {t_vacancy} v
            CROSS JOIN labels
            JOIN {t_employer} e ON e.id = v.employer_id
            JOIN {t_occupation} o ON o.id = v.occupation_id
            LEFT JOIN {t_area} k ON k.id = v.kecamatan_id
            LEFT JOIN {t_area} l ON l.id = v.kelurahan_id
            WHERE {" AND ".join(where)}
            ORDER BY {order}
            LIMIT %(limit)s
        )
        SELECT json_build_object(
            'near', %(near)s::json,
            'within_km', %(within_km)s::float8,
            'count', (SELECT count(*) FROM found),
            'vacancies', coalesce((SELECT json_agg(j) FROM found), '[]'::json)
        )::text
    """  # noqa: S608
    return sql, params


def _searched(qs: QuerySet[Vacancy], search: Search) -> QuerySet[Vacancy]:
    if search.occupation:
        qs = qs.filter(occupation__code=search.occupation)
    if search.sector:
        qs = qs.filter(sector=search.sector)
    if search.employment_type:
        qs = qs.filter(employment_type=search.employment_type)
    if search.education:
        # "My education": vacancies asking for at most that level.
        levels = Education.values
        qs = qs.filter(education__in=levels[: levels.index(search.education) + 1])
    if search.salary is not None:
        qs = qs.filter(
            Q(salary_max__gte=search.salary)
            | Q(salary_max__isnull=True, salary_min__gte=search.salary)
        )
    if search.point is None:
        return qs.order_by("-posted_on", "-id")[: search.limit]
    return near(qs, search.point, search.within_km * 1000)[: search.limit]


def near(qs: QuerySet[Vacancy], point: Point, radius_m: float) -> QuerySet[Vacancy]:
    """`qs` within `radius_m` metres of `point`, nearest first, with `distance`.

    One GiST index scan does it: its condition is the box around the circle, its
    order `<->`, so the LIMIT stops it after the nearest rows (0.4 ms among 100 000
    vacancies). The order is `<->` alone: a tie-breaker after it (`, id`) makes
    PostgreSQL sort every row in the circle instead (130 ms), and so does ST_DWithin,
    whose estimate of one row turns the plan into a bitmap scan and a sort."""
    geog = Cast("geom", PointField(geography=True, srid=SRID))
    return (
        # An alias, not an annotation: filtered and ordered on, never selected.
        qs.alias(geog=geog)
        .filter(BoxOverlaps("geog", GeogEnvelope(point, radius_m)))
        # On the sphere, like `<->`: a tenth of the spheroid's cost per row and
        # within 0.5 % of it at these distances.
        .annotate(distance=SphereDistance("geog", GeogPoint(point)))
        .filter(distance__lte=radius_m)
        .order_by(KnnDistance("geog", GeogPoint(point)))
    )


def distance_m(vacancy: Vacancy) -> float | None:
    distance = getattr(vacancy, "distance", None)
    return None if distance is None else round(float(distance), 1)


def vacancy_payload(v: Vacancy) -> dict[str, Any]:
    """The public fields of a vacancy (the same as the engine source's)."""
    return {
        "id": v.pk,
        "title": v.title,
        "description": v.description,
        "employer": v.employer.name,
        "employer_verified": v.employer.verified,
        "occupation": v.occupation.code,
        "occupation_name": v.occupation.name,
        "sector": v.sector,
        "sector_name": str(Sector(v.sector).label),
        "openings": v.openings,
        "education": v.education,
        "education_name": str(Education(v.education).label),
        "experience_years": v.experience_years,
        "salary_min": v.salary_min,
        "salary_max": v.salary_max,
        "employment_type": v.employment_type,
        "employment_type_name": str(EmploymentType(v.employment_type).label),
        "kelurahan": v.kelurahan.name if v.kelurahan_id and v.kelurahan else None,
        "kecamatan": v.kecamatan.name if v.kecamatan_id and v.kecamatan else None,
        "address": v.address,
        "apply_url": v.apply_url,
        "apply_address": v.apply_address,
        "posted_on": v.posted_on.isoformat(),
        "closes_on": v.closes_on.isoformat(),
        "lon": round(v.geom.x, 6),
        "lat": round(v.geom.y, 6),
        "distance_m": distance_m(v),
        "demo": v.demo,
    }


def public_vacancy(city: City, pk: int) -> Vacancy | None:
    return _with_names(public_vacancies(city)).filter(pk=pk).first()


def job_posting(city: City, v: Vacancy, url: str) -> dict[str, Any]:
    """schema.org JobPosting (Google's required and recommended properties)."""
    zone = city_zone(city)
    closes = v.closes_on
    posting: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": v.title,
        "description": v.description,
        "identifier": {
            "@type": "PropertyValue",
            "name": v.employer.name,
            "value": str(v.pk),
        },
        "datePosted": v.posted_on.isoformat(),
        # The end of the closing day in the city's zone.
        "validThrough": datetime.combine(closes, time(23, 59, 59), zone).isoformat(),
        "employmentType": v.employment_type,
        "hiringOrganization": {"@type": "Organization", "name": v.employer.name},
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": v.address or v.apply_address or "",
                "addressLocality": (v.kelurahan.name if v.kelurahan else city.name),
                "addressRegion": city.name,
                "addressCountry": "ID",
            },
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": round(v.geom.y, 6),
                "longitude": round(v.geom.x, 6),
            },
        },
        "occupationalCategory": f"{v.occupation.code} {v.occupation.name}",
        "educationRequirements": str(v.get_education_display()),
        "totalJobOpenings": v.openings,
        "url": url,
    }
    if v.employer.website:
        posting["hiringOrganization"]["sameAs"] = v.employer.website
    if v.experience_years:
        posting["experienceRequirements"] = {
            "@type": "OccupationalExperienceRequirements",
            "monthsOfExperience": v.experience_years * 12,
        }
    if v.salary_min is not None or v.salary_max is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": "MONTH"}
        if v.salary_min is not None and v.salary_max is not None:
            value.update(minValue=v.salary_min, maxValue=v.salary_max)
        else:
            value["value"] = v.salary_min if v.salary_min is not None else v.salary_max
        posting["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": "IDR",
            "value": value,
        }
    return posting


def figures(city: City) -> dict[str, Any]:
    """For Disnaker's planners: open vacancies and openings per kecamatan and per
    occupation (published and not past their closing date)."""
    qs = public_vacancies(city)
    per_kecamatan = (
        qs.values("kecamatan__code", "kecamatan__name")
        .annotate(vacancies=Count("id"), openings=Sum("openings"))
        .order_by("kecamatan__code")
    )
    per_occupation = (
        qs.values("occupation__code", "occupation__name")
        .annotate(vacancies=Count("id"), openings=Sum("openings"))
        .order_by("-openings", "occupation__code")
    )
    total = qs.aggregate(vacancies=Count("id"), openings=Sum("openings"))
    return {
        "date": city_today(city).isoformat(),
        "vacancies": total["vacancies"],
        "openings": total["openings"] or 0,
        "per_kecamatan": [
            {
                "code": row["kecamatan__code"],
                "name": row["kecamatan__name"],
                "vacancies": row["vacancies"],
                "openings": row["openings"],
            }
            for row in per_kecamatan
        ],
        "per_occupation": [
            {
                "code": row["occupation__code"],
                "name": row["occupation__name"],
                "vacancies": row["vacancies"],
                "openings": row["openings"],
            }
            for row in per_occupation
        ],
    }


def estate_clusters(city: City) -> list[dict[str, Any]]:
    """Open vacancies grouped by the industrial estate (a place of the city's public
    ESTATE_LAYER) they are within ESTATE_RADIUS_M of; the rest in one group per
    kecamatan at its vacancies' centre."""
    layer = Layer.objects.filter(
        city=city, slug=ESTATE_LAYER, visibility=Visibility.PUBLIC
    ).first()
    inner_sql, inner_params = (
        public_vacancies(city).values("id", "geom", "openings", "kecamatan_id").query
    ).sql_with_params()
    t_feature = Feature._meta.db_table
    t_area = AdminArea._meta.db_table
    # Names from _meta; the inner query is the ORM's own (same filters as the list);
    # the user gives nothing here but the city.
    sql = f"""
        WITH v AS ({inner_sql}),
        matched AS (
            SELECT v.id, v.openings, v.kecamatan_id, v.geom, e.id AS estate_id
            FROM v LEFT JOIN LATERAL (
                SELECT f.id FROM {t_feature} f
                WHERE f.layer_id = %s
                  AND ST_DWithin(f.geom::geography, v.geom::geography, %s)
                ORDER BY f.geom::geography <-> v.geom::geography, f.id LIMIT 1
            ) e ON true
        )
        SELECT m.estate_id,
               coalesce(f.properties->>'name', a.name, ''),
               ST_X(coalesce(ST_PointOnSurface(f.geom),
                             ST_Centroid(ST_Collect(m.geom)))),
               ST_Y(coalesce(ST_PointOnSurface(f.geom),
                             ST_Centroid(ST_Collect(m.geom)))),
               count(*), sum(m.openings)
        FROM matched m
        LEFT JOIN {t_feature} f ON f.id = m.estate_id
        LEFT JOIN {t_area} a ON a.id = m.kecamatan_id AND m.estate_id IS NULL
        GROUP BY m.estate_id, f.properties, f.geom, a.name,
                 CASE WHEN m.estate_id IS NULL THEN m.kecamatan_id END
        ORDER BY count(*) DESC
    """  # noqa: S608
    params = [*inner_params, layer.pk if layer else 0, ESTATE_RADIUS_M]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {
            "estate": estate_id is not None,
            "name": name,
            "lon": round(x, 6),
            "lat": round(y, 6),
            "vacancies": count,
            "openings": int(openings or 0),
        }
        for estate_id, name, x, y, count, openings in rows
    ]


def moderation_queue(city: City) -> QuerySet[Vacancy]:
    return (
        Vacancy.objects.filter(city=city, status=Status.SUBMITTED)
        .select_related("employer", "occupation", "kecamatan", "created_by")
        .order_by("created_at", "id")
    )
