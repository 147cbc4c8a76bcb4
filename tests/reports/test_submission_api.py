"""Submitting through the JSON API: idempotency, routing, validation, photos, rate
limit, support and duplicates."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from reports.models import Category, Photo, Report, RoutingRule, Status
from tenancy.models import AdminArea, Agency
from tests.reports.conftest import INSIDE, OUTSIDE, photo_bytes, submit

pytestmark = pytest.mark.django_db


def test_submission_creates_routed_report_with_due_time(city):
    response = submit(Client(), city)
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(city=city, ticket=body["ticket"])
    assert body["tracking_url"] == f"/{city.slug}/reports/t/{report.ticket}/"
    assert report.kelurahan.name == "Sukarasa"
    assert report.kecamatan.name == "Tangerang"
    assert report.agency.slug == "dinas-pu"
    assert report.status == Status.SUBMITTED
    hours = (report.due_at - report.created_at).total_seconds() / 3600
    assert hours == pytest.approx(72)
    assert report.public_geom == report.geom
    assert report.events.get().kind == "created"


def test_replayed_client_uuid_answers_the_same_ticket_once(city):
    client_uuid = str(uuid.uuid4())
    first = submit(Client(), city, client_uuid=client_uuid)
    again = submit(Client(), city, client_uuid=client_uuid, description="changed")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["ticket"] == first.json()["ticket"]
    assert again.json()["created"] is False
    assert Report.objects.filter(city=city).count() == 1


def test_routing_rule_for_a_kecamatan_beats_the_category_agency(city):
    category = Category.objects.get(city=city, code="jalan-rusak")
    kecamatan = AdminArea.objects.get(city=city, level="kecamatan", name="Tangerang")
    RoutingRule.objects.create(
        city=city,
        category=category,
        area=kecamatan,
        agency=Agency.objects.get(city=city, slug="dlh"),
    )
    body = submit(Client(), city).json()
    assert Report.objects.get(ticket=body["ticket"]).agency.slug == "dlh"


def test_point_outside_the_city_is_refused_clearly(city):
    response = submit(Client(), city, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert response.status_code == 400
    assert "Kota Tangerang" in response.json()["errors"]["location"]
    assert "Kota Tangerang" in response.json()["detail"]
    assert not Report.objects.exists()


def test_locate_names_kelurahan_and_refuses_outside(city):
    c = Client()
    ok = c.get(f"/api/{city.slug}/reports/locate", {"lon": INSIDE[0], "lat": INSIDE[1]})
    assert ok.json() == {"kelurahan": "Sukarasa", "kecamatan": "Tangerang"}
    bad = c.get(
        f"/api/{city.slug}/reports/locate", {"lon": OUTSIDE[0], "lat": OUTSIDE[1]}
    )
    assert bad.status_code == 400


def test_point_in_a_gap_between_kelurahan_gets_the_nearest(city):
    sukarasa = AdminArea.objects.get(city=city, name="Sukarasa", level="kelurahan")
    # Just outside Sukarasa's first vertex, pushed out a few metres.
    x, y = sukarasa.geom.coords[0][0][0]
    from django.contrib.gis.geos import Point

    from reports.routing import locate

    where = locate(city, Point(x + 0.0002, y + 0.0002, srid=4326))
    assert where.kelurahan is not None
    assert where.kecamatan is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "no-such"}, "category"),
        ({"description": "   "}, "description"),
        ({"answers": "{}"}, "answers.ukuran"),  # ukuran is required
        ({"answers": '{"ukuran": "raksasa"}'}, "answers.ukuran"),
        ({"lon": "abc"}, "lon"),
        ({"lon": "nan", "lat": "nan"}, "lat"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(city, fields, field):
    response = submit(Client(), city, **fields)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Report.objects.exists()


def test_photos_are_checked_stripped_and_located(city):
    jpeg = SimpleUploadedFile("a.jpg", photo_bytes(gps=INSIDE), "image/jpeg")
    response = submit(Client(), city, lon="", lat="", photos=[jpeg])
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.location_source == "photo"
    assert report.geom.x == pytest.approx(INSIDE[0], abs=1e-4)
    photo = Photo.objects.get()
    public = Image.open(photo.image.open("rb"))
    assert not public.getexif()
    assert b"SecretCam" not in photo.image.open("rb").read()
    # EXIF orientation 6 (rotate 90°) was applied: 64x48 becomes 48x64.
    assert public.size == (48, 64)
    assert b"SecretCam" in photo.original.open("rb").read()
    thumb = Client().get(f"/{city.slug}/reports/photos/{photo.pk}/thumbnail.jpg")
    assert thumb.status_code == 200
    assert (
        Client().get(f"/{city.slug}/reports/photos/{photo.pk}/original.jpg").status_code
        == 404
    )


def test_not_a_photo_and_too_many_photos_are_refused(city):
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", "image/jpeg")
    assert submit(Client(), city, photos=[fake]).json()["errors"].keys() == {"photos"}
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    as_gif = SimpleUploadedFile("x.jpg", gif.getvalue(), "image/jpeg")
    assert submit(Client(), city, photos=[as_gif]).json()["errors"].keys() == {"photos"}
    four = [
        SimpleUploadedFile(f"{i}.jpg", photo_bytes(), "image/jpeg") for i in range(4)
    ]
    assert submit(Client(), city, photos=four).json()["errors"].keys() == {"photos"}
    assert not Report.objects.exists()


def test_anonymous_submissions_are_rate_limited_but_replays_are_answered(
    city, settings
):
    settings.PETAKOTA_REPORT_RATE = "3/h"
    client = Client()
    first_uuid = str(uuid.uuid4())
    codes = [submit(client, city, client_uuid=first_uuid).status_code]
    codes += [submit(client, city).status_code for _ in range(3)]
    assert codes == [201, 201, 201, 429]
    assert submit(client, city, client_uuid=first_uuid).status_code == 200
    assert Report.objects.count() == 3


def test_rate_limit_counts_are_shared_by_every_worker(city, settings):
    """gunicorn runs several processes: the count lives in PostgreSQL, not in one
    process's memory, so a worker with a fresh cache object sees it too."""
    settings.PETAKOTA_REPORT_RATE = "2/h"
    assert [submit(Client(), city).status_code for _ in range(3)] == [201, 201, 429]
    table = settings.CACHES["default"]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")
        keys = [row[0] for row in cursor.fetchall()]
    counters = [k for k in keys if ":rl:" in k]
    assert len(counters) == 1
    other_worker = caches.create_connection("default")
    assert other_worker.get(counters[0].split(":", 2)[2]) == 3


def test_nearby_open_reports_and_support_counts_once(city):
    body = submit(Client(), city).json()
    near = (
        Client()
        .get(
            f"/api/{city.slug}/reports/nearby",
            {"category": "jalan-rusak", "lon": INSIDE[0] + 0.0002, "lat": INSIDE[1]},
        )
        .json()
    )
    assert [r["ticket"] for r in near["reports"]] == [body["ticket"]]
    far = (
        Client()
        .get(
            f"/api/{city.slug}/reports/nearby",
            {"category": "jalan-rusak", "lon": INSIDE[0] + 0.01, "lat": INSIDE[1]},
        )
        .json()
    )
    assert far["reports"] == []
    supporter = str(uuid.uuid4())
    url = f"/api/{city.slug}/reports/{body['ticket']}/support"
    for _ in range(2):
        r = Client().post(url, {"client_uuid": supporter})
    assert r.json()["supporters"] == 1


def test_sensitive_category_has_no_nearby_and_fuzzed_public_point(city):
    Category.objects.filter(city=city, code="kekerasan").update(publicity="fuzzed")
    body = submit(
        Client(), city, category="kekerasan", answers="{}", contact_phone="0812"
    ).json()
    report = Report.objects.get(ticket=body["ticket"])
    moved_m = report.geom.transform(32748, clone=True).distance(
        report.public_geom.transform(32748, clone=True)
    )
    assert 150 <= moved_m <= 300
    near = (
        Client()
        .get(
            f"/api/{city.slug}/reports/nearby",
            {"category": "kekerasan", "lon": INSIDE[0], "lat": INSIDE[1]},
        )
        .json()
    )
    assert near["reports"] == []
