"""The access matrix: every identity against every endpoint family, in one table.

Rows are who asks (anonymous, each role of city A, an editor of another agency of the
same city, a city administrator of another city, a superuser); columns are the
endpoint families (pages, JSON API, OGC API Features, tiles, exports, imports API,
reports console API, Open311, Django admin). Each cell is the HTTP status the client
gets and, for reads, which of the non-public things (internal layer, agency-only
layers, the private report) the answer contains. docs/architecture.md ("Who may do
what") is the same table in prose; change both together.

The data is built once for the module (committed, removed at the end); every cell
runs in its own rolled-back transaction, so the writes (imports, report actions,
notes) do not leak from one cell into the next."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from importers.models import ImportJob
from layers.models import Visibility
from reports.models import Category, Channel, Publicity, Report, Status
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
    UserFactory,
)

A, B = "matrix-kota-a", "matrix-kota-b"
PUBLIC, INTERNAL, A1_ONLY, A2_ONLY = (
    "matrix-public",
    "matrix-internal",
    "matrix-a1-only",
    "matrix-a2-only",
)
PUB_TICKET, PRIV_TICKET = "PUBL-3333", "PRVT-2222"
JOB_FILE = "matrix-job-a1.geojson"  # an import job of agency A1
A1_MEMBER = "matrix-editor-a1"  # the user name of A1's agency editor

# Who asks. Every role of city A (agency roles in agency A1), an agency editor of
# agency A2 of the same city, a city administrator of city B, a superuser.
ANON = "anonymous"
ADMIN = "city_admin"
OPERATOR = "operator"
PLANNER = "planner"
EDITOR = "agency_editor"
FIELD = "field_officer"
OTHER_AGENCY = "other_agency_editor"
OTHER_CITY = "other_city_admin"
SUPER = "superuser"
IDENTITIES = (
    ANON,
    ADMIN,
    OPERATOR,
    PLANNER,
    EDITOR,
    FIELD,
    OTHER_AGENCY,
    OTHER_CITY,
    SUPER,
)
# Every Role must have its row: a new role without one fails here.
assert {r.value for r in Role} <= set(IDENTITIES)


@dataclass(frozen=True)
class Cell:
    status: int
    # For reads: the non-public markers the body must contain (all others must be
    # absent). None: the body is not inspected.
    shows: frozenset[str] | None = None


def cell(status: int, *shows: str) -> Cell:
    return Cell(status, frozenset(shows))


# --- What each identity may see --------------------------------------------------

# Non-public layers (by slug) each identity sees in city A.
LAYERS_SEEN: dict[str, tuple[str, ...]] = {
    ANON: (),
    ADMIN: (INTERNAL, A1_ONLY, A2_ONLY),
    OPERATOR: (INTERNAL,),
    PLANNER: (INTERNAL,),
    EDITOR: (INTERNAL, A1_ONLY),
    FIELD: (INTERNAL, A1_ONLY),
    OTHER_AGENCY: (INTERNAL, A2_ONLY),
    OTHER_CITY: (),
    SUPER: (INTERNAL, A1_ONLY, A2_ONLY),
}
LAYER_MARKERS = (INTERNAL, A1_ONLY, A2_ONLY)
# Who works the reports of agency A1 in the console (city-wide or that agency).
CONTROL_ROOM = (ADMIN, OPERATOR, SUPER)
A1_QUEUE = (EDITOR, FIELD)
# Who may import, and into which agency's layers.
IMPORTS_A1 = (ADMIN, EDITOR, SUPER)
IMPORTS_A2 = (ADMIN, OTHER_AGENCY, SUPER)


def _layer_read(slug: str, ok: int = 200) -> dict[str, Cell]:
    """A read of one layer: `ok` when the identity sees it, else 404 (never 403:
    a hidden layer does not exist for the asker)."""
    return {
        who: Cell(ok if slug == PUBLIC or slug in LAYERS_SEEN[who] else 404)
        for who in IDENTITIES
    }


def _layer_list() -> dict[str, Cell]:
    return {who: cell(200, *LAYERS_SEEN[who]) for who in IDENTITIES}


def _everyone(status: int, *shows: str) -> dict[str, Cell]:
    return {who: cell(status, *shows) for who in IDENTITIES}


def _staff_page(allowed: tuple[str, ...]) -> dict[str, Cell]:
    """A signed-in page: sign-in for the anonymous, the explaining 403 for others."""
    return {
        who: Cell(302 if who == ANON else 200 if who in allowed else 403)
        for who in IDENTITIES
    }


def _console_read() -> dict[str, Cell]:
    out = {who: Cell(403) for who in IDENTITIES}
    for who in (*CONTROL_ROOM, *A1_QUEUE):
        out[who] = cell(200, PUB_TICKET, PRIV_TICKET)
    out[OTHER_AGENCY] = cell(200)  # a console of its own, without A1's reports
    return out


def _console_write(control_room: int, a1_queue: int) -> dict[str, Cell]:
    out = {who: Cell(403) for who in IDENTITIES}
    out.update({who: Cell(control_room) for who in CONTROL_ROOM})
    out.update({who: Cell(a1_queue) for who in A1_QUEUE})
    out[OTHER_AGENCY] = Cell(404)  # not in its queue: no such report for it
    return out


def _imports_into(allowed: tuple[str, ...]) -> dict[str, Cell]:
    return {who: Cell(202 if who in allowed else 403) for who in IDENTITIES}


# --- The endpoints ----------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    family: str
    method: str
    url: str
    expect: dict[str, Cell]
    body: Callable[[], dict] | None = None
    json_body: dict | None = None
    markers: tuple[str, ...] = field(default=())


def _geojson_upload() -> dict:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [120.05, -4.95]},
                "properties": {"kode": "M1"},
            }
        ],
    }
    return {
        "file": SimpleUploadedFile(
            "matrix.geojson", json.dumps(data).encode(), "application/geo+json"
        )
    }


def _import_body(layer: str) -> Callable[[], dict]:
    return lambda: {**_geojson_upload(), "layer": layer, "confirm": "false"}


TILE = "12/3413/2104"  # covers (120.05, -4.95)
OGC_TILE = "12/2104/3413"
REPORT_MARKERS = (PUB_TICKET, PRIV_TICKET)
# The Django admin: the two city administrators (of A and of B) are also `is_staff`
# with view/change permissions on cities, memberships, layers and reports, as a
# deployment gives them (gis_platform.navigation.role_home sends them there); every
# other role has no admin access (302 to the admin's sign-in).
ADMIN_STAFF = (ADMIN, OTHER_CITY, SUPER)


def _admin_page(*shows_for_city_a: str) -> dict[str, Cell]:
    out = {who: Cell(302) for who in IDENTITIES}
    out.update({who: cell(200, *shows_for_city_a) for who in (ADMIN, SUPER)})
    out[OTHER_CITY] = cell(200)  # its own city's records only
    return out


def _admin_object() -> dict[str, Cell]:
    # Another city's record does not exist for B's administrator: Django's admin
    # answers a missing object with a redirect to the admin index.
    out = {who: Cell(302) for who in IDENTITIES}
    out.update({who: Cell(200) for who in (ADMIN, SUPER)})
    return out


ENDPOINTS: dict[str, Endpoint] = {
    # Pages
    "page-city-map": Endpoint(
        "pages", "GET", f"/{A}/", _layer_list(), markers=LAYER_MARKERS
    ),
    "page-static-map": Endpoint(
        "pages", "GET", f"/{A}/map.html", _layer_list(), markers=LAYER_MARKERS
    ),
    "page-report-submit": Endpoint("pages", "GET", f"/{A}/reports/", _everyone(200)),
    "page-tracking": Endpoint(
        "pages", "GET", f"/{A}/reports/t/{PRIV_TICKET}/", _everyone(200)
    ),
    "page-console": Endpoint(
        "pages",
        "GET",
        f"/{A}/reports/console/",
        _staff_page((*CONTROL_ROOM, *A1_QUEUE, OTHER_AGENCY)),
    ),
    "page-import-upload": Endpoint(
        "pages",
        "GET",
        f"/{A}/imports/",
        _staff_page((ADMIN, EDITOR, OTHER_AGENCY, SUPER)),
    ),
    "page-people": Endpoint(
        "pages", "GET", f"/{A}/people/", _staff_page((ADMIN, SUPER))
    ),
    # JSON API
    "api-layers": Endpoint(
        "json", "GET", f"/api/{A}/layers/", _layer_list(), markers=LAYER_MARKERS
    ),
    **{
        f"api-features-{slug}": Endpoint(
            "json", "GET", f"/api/{A}/layers/{slug}/features", _layer_read(slug)
        )
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    **{
        f"api-near-{slug}": Endpoint(
            "json",
            "GET",
            f"/api/{A}/layers/{slug}/near?lon=120.05&lat=-4.95&radius_m=500",
            _layer_read(slug),
        )
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    "api-public-reports": Endpoint(
        "json",
        "GET",
        f"/api/{A}/reports/public.geojson",
        _everyone(200, PUB_TICKET),
        markers=REPORT_MARKERS,
    ),
    # OGC API Features
    "ogc-collections": Endpoint(
        "ogc",
        "GET",
        f"/ogc/{A}/collections?f=json",
        _layer_list(),
        markers=LAYER_MARKERS,
    ),
    **{
        f"ogc-items-{slug}": Endpoint(
            "ogc", "GET", f"/ogc/{A}/collections/{slug}/items?f=json", _layer_read(slug)
        )
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    # The reports source, served by the same engine: public reports only, whoever
    # asks (staff work private reports in the console).
    "ogc-items-reports": Endpoint(
        "ogc",
        "GET",
        f"/ogc/{A}/collections/laporan/items?f=json",
        _everyone(200, PUB_TICKET),
        markers=REPORT_MARKERS,
    ),
    "tiles-xyz-reports": Endpoint(
        "tiles",
        "GET",
        f"/tiles/{A}/laporan/{TILE}.mvt",
        _everyone(200, PUB_TICKET),
        markers=REPORT_MARKERS,
    ),
    # Tiles
    **{
        f"tiles-xyz-{slug}": Endpoint(
            "tiles", "GET", f"/tiles/{A}/{slug}/{TILE}.mvt", _layer_read(slug)
        )
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    **{
        f"tiles-ogc-{slug}": Endpoint(
            "tiles",
            "GET",
            f"/ogc/{A}/collections/{slug}/tiles/WebMercatorQuad/{OGC_TILE}",
            _layer_read(slug),
        )
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    # Exports
    **{
        f"export-{fmt}-{slug}": Endpoint(
            "exports",
            "GET",
            f"/api/{A}/layers/{slug}/export?format={fmt}",
            _layer_read(slug),
        )
        for fmt in ("csv", "gpkg")
        for slug in (PUBLIC, INTERNAL, A1_ONLY)
    },
    # Imports API
    # Everyone signed in gets a list; only jobs of agencies they import for.
    "imports-list": Endpoint(
        "imports",
        "GET",
        f"/api/{A}/imports/",
        {
            who: Cell(403)
            if who == ANON
            else cell(200, *((JOB_FILE,) if who in IMPORTS_A1 else ()))
            for who in IDENTITIES
        },
        markers=(JOB_FILE,),
    ),
    "imports-job-a1": Endpoint(
        "imports",
        "GET",
        f"/api/{A}/imports/{{job}}",
        {
            who: Cell(403 if who == ANON else 200 if who in IMPORTS_A1 else 404)
            for who in IDENTITIES
        },
    ),
    "page-import-job-a1": Endpoint(
        "pages",
        "GET",
        f"/{A}/imports/{{job}}/",
        {
            who: Cell(
                302
                if who == ANON
                else 200
                if who in IMPORTS_A1
                else 404
                if who == OTHER_AGENCY  # may import, but not this agency's job
                else 403
            )
            for who in IDENTITIES
        },
    ),
    "imports-into-a1-layer": Endpoint(
        "imports",
        "POST",
        f"/api/{A}/imports/",
        _imports_into(IMPORTS_A1),
        body=_import_body(PUBLIC),
    ),
    "imports-into-a2-layer": Endpoint(
        "imports",
        "POST",
        f"/api/{A}/imports/",
        _imports_into(IMPORTS_A2),
        body=_import_body(A2_ONLY),
    ),
    # Reports console API
    "console-list": Endpoint(
        "console",
        "GET",
        f"/api/{A}/reports/console/reports",
        _console_read(),
        markers=REPORT_MARKERS,
    ),
    "console-detail": Endpoint(
        "console",
        "GET",
        f"/api/{A}/reports/console/reports/{PRIV_TICKET}",
        _console_write(control_room=200, a1_queue=200),
    ),
    "console-csv": Endpoint(
        "console",
        "GET",
        f"/api/{A}/reports/console/reports.csv",
        _console_read(),
        markers=REPORT_MARKERS,
    ),
    # Rejecting is the control room's; the routed agency may not.
    "console-reject": Endpoint(
        "console",
        "POST",
        f"/api/{A}/reports/console/reports/{PRIV_TICKET}/action",
        _console_write(control_room=200, a1_queue=403),
        json_body={"action": "transition", "status": "rejected"},
    ),
    # Accepting is the routed agency's; the control room assigns instead (400).
    "console-accept": Endpoint(
        "console",
        "POST",
        f"/api/{A}/reports/console/reports/{PRIV_TICKET}/action",
        _console_write(control_room=400, a1_queue=200),
        json_body={"action": "transition", "status": "assigned"},
    ),
    "console-note": Endpoint(
        "console",
        "POST",
        f"/api/{A}/reports/console/reports/{PRIV_TICKET}/action",
        _console_write(control_room=200, a1_queue=200),
        json_body={"action": "note", "note": "Dicek besok."},
    ),
    # Open311 (public by standard: never the private report, whoever asks)
    "open311-services": Endpoint(
        "open311",
        "GET",
        f"/open311/v2/services.json?jurisdiction_id={A}",
        _everyone(200),
    ),
    "open311-requests": Endpoint(
        "open311",
        "GET",
        f"/open311/v2/requests.json?jurisdiction_id={A}",
        _everyone(200, PUB_TICKET),
        markers=REPORT_MARKERS,
    ),
    # Django admin: deployment staff only (no city role opens it)
    "admin-index": Endpoint(
        "admin",
        "GET",
        "/admin/",
        {who: Cell(200 if who in ADMIN_STAFF else 302) for who in IDENTITIES},
    ),
    "admin-reports": Endpoint(
        "admin",
        "GET",
        "/admin/reports/report/",
        _admin_page(PUB_TICKET, PRIV_TICKET),
        markers=REPORT_MARKERS,
    ),
    "admin-layers": Endpoint(
        "admin",
        "GET",
        "/admin/layers/layer/",
        _admin_page(*LAYER_MARKERS),
        markers=LAYER_MARKERS,
    ),
    "admin-memberships": Endpoint(
        "admin",
        "GET",
        "/admin/tenancy/membership/?agency__id__exact={a1}",
        _admin_page(A1_MEMBER),
        markers=(A1_MEMBER,),
    ),
    "admin-city-a": Endpoint(
        "admin", "GET", "/admin/tenancy/city/{city}/change/", _admin_object()
    ),
    "admin-private-report": Endpoint(
        "admin", "GET", "/admin/reports/report/{report}/change/", _admin_object()
    ),
}


# --- Data, built once per module -------------------------------------------------


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> Iterator[dict[str, dict]]:
    """The matrix's data; a session key per signed-in identity and the ids the
    URLs name."""
    with django_db_blocker.unblock():
        city = CityFactory(slug=A, name="Kota Matriks A")
        other_city = CityFactory(slug=B, name="Kota Matriks B")
        a1 = AgencyFactory(city=city, slug="matrix-a1")
        a2 = AgencyFactory(city=city, slug="matrix-a2")
        layers = {
            PUBLIC: Visibility.PUBLIC,
            INTERNAL: Visibility.INTERNAL,
            A1_ONLY: Visibility.AGENCY,
        }
        for slug, visibility in layers.items():
            layer = LayerFactory(
                city=city, agency=a1, slug=slug, title=slug, visibility=visibility
            )
            FeatureFactory(layer=layer, properties={})
        FeatureFactory(
            layer=LayerFactory(
                city=city,
                agency=a2,
                slug=A2_ONLY,
                title=A2_ONLY,
                visibility=Visibility.AGENCY,
            )
        )
        due = timezone.now() + timedelta(days=3)
        for ticket, publicity in (
            (PUB_TICKET, Publicity.PUBLIC),
            (PRIV_TICKET, Publicity.PRIVATE),
        ):
            category = Category.objects.create(
                city=city,
                code=f"matrix-{publicity}",
                name=f"Matrix {publicity}",
                agency=a1,
                publicity=publicity,
            )
            point = Point(120.05, -4.95, srid=4326)
            Report.objects.create(
                city=city,
                category=category,
                ticket=ticket,
                client_uuid=uuid.uuid4(),
                status=Status.VERIFIED,
                geom=point,
                public_geom=point,
                agency=a1,
                description=f"Laporan {ticket}",
                channel=Channel.WEB,
                due_at=due,
            )

        def member(
            role: str, agency: object = None, where: object = city, **user: str
        ) -> object:
            return MembershipFactory(
                city=where,
                role=role,
                agency=agency,
                **{f"user__{k}": v for k, v in user.items()},
            ).user

        def admin_staff(user: Any) -> Any:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(
                Permission.objects.filter(
                    codename__in=[
                        "view_city",
                        "change_city",
                        "view_membership",
                        "change_membership",
                        "add_membership",
                        "view_layer",
                        "view_report",
                    ]
                )
            )
            return user

        users: dict[str, object] = {
            ADMIN: admin_staff(member(Role.CITY_ADMIN)),
            OPERATOR: member(Role.OPERATOR),
            PLANNER: member(Role.PLANNER),
            EDITOR: member(Role.AGENCY_EDITOR, a1, username=A1_MEMBER),
            FIELD: member(Role.FIELD_OFFICER, a1),
            OTHER_AGENCY: member(Role.AGENCY_EDITOR, a2),
            OTHER_CITY: admin_staff(member(Role.CITY_ADMIN, where=other_city)),
            SUPER: UserFactory(is_superuser=True, is_staff=True),
        }
        job = ImportJob.objects.create(
            city=city,
            created_by=users[EDITOR],
            agency=a1,
            layer=city.layers.get(slug=PUBLIC),
            file="imports/matrix/matrix-job-a1.geojson",
            original_name=JOB_FILE,
            mode=ImportJob.Mode.APPEND,
            status=ImportJob.Status.PREVIEW,
        )
        ids = {
            "job": job.pk,
            "a1": a1.pk,
            "city": city.pk,
            "report": Report.objects.get(ticket=PRIV_TICKET).pk,
        }
        # One signed-in session per identity, reused by all its cells.
        sessions: dict[str, str] = {}
        for who, user in users.items():
            signed_in = Client()
            signed_in.force_login(user)
            sessions[who] = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
    yield {"sessions": sessions, "ids": ids}
    with django_db_blocker.unblock():
        ImportJob.objects.filter(city__in=[city, other_city]).delete()
        Report.objects.filter(city__in=[city, other_city]).delete()
        Category.objects.filter(city__in=[city, other_city]).delete()
        for layer in city.layers.all():
            layer.delete()
        city.delete()
        other_city.delete()
        for user in users.values():
            user.delete()  # type: ignore[attr-defined]
        Session.objects.filter(session_key__in=sessions.values()).delete()


def _markers_in(body: str, markers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(m for m in markers if m in body)


CELLS = [
    pytest.param(key, who, id=f"{ENDPOINTS[key].family}:{key}:{who}")
    for key in ENDPOINTS
    for who in IDENTITIES
]


@pytest.mark.parametrize(("endpoint_key", "identity"), CELLS)
def test_access_matrix(
    endpoint_key: str,
    identity: str,
    matrix: dict[str, dict],
    db: None,
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # no answer cached for one identity may serve another
    endpoint = ENDPOINTS[endpoint_key]
    expected = endpoint.expect[identity]
    url = endpoint.url.format(**matrix["ids"])
    client = Client()
    if identity != ANON:
        session = matrix["sessions"][identity]
        client.cookies[django_settings.SESSION_COOKIE_NAME] = session
    if endpoint.method == "GET":
        response = client.get(url)
    elif endpoint.json_body is not None:
        response = client.post(url, json.dumps(endpoint.json_body), "application/json")
    else:
        response = client.post(url, endpoint.body() if endpoint.body else {})
    assert response.status_code == expected.status, (
        f"{identity} {endpoint.method} {url}: "
        f"{response.status_code} != {expected.status}"
    )
    if response.status_code == 403 and endpoint.family == "pages":
        # The explaining 403 page, not a bare "Forbidden".
        assert b'id="forbidden"' in response.content
    if expected.status == 200 and endpoint.markers:
        raw = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        body = raw.decode(errors="replace")  # tiles are binary
        assert _markers_in(body, endpoint.markers) == expected.shows, (
            f"{identity} {url}: shows "
            f"{sorted(_markers_in(body, endpoint.markers))}, "
            f"expected {sorted(expected.shows or ())}"
        )
