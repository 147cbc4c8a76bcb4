"""The tenancy models' move from `layers` to `tenancy` keeps every row of an existing
database: rows written before the move (through the historical models) are all there
after it, reachable through the new models, every foreign key intact, and a permission
granted on the old model still holds."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from importers.models import ImportJob
from layers.models import Feature, Layer
from reports.models import Category, Report, RoutingRule
from tenancy.models import AdminArea, Agency, City, Membership, Role

# The state just before the move, app by app (tenancy did not exist).
BEFORE = [
    ("layers", "0009_tilecache_by_layer_id"),
    ("reports", "0005_support_once_per_report"),
    ("importers", "0002_check_uploads_in_worker"),
    ("tenancy", None),
]


def _square(x: float, y: float, size: float = 0.01) -> MultiPolygon:
    ring = ((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))
    return MultiPolygon(Polygon(ring), srid=4326)


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_rows() -> dict[str, int]:
    """Rows written through the models as they were before the move."""
    loader = MigrationExecutor(connection).loader
    django_apps = {"auth", "contenttypes"}
    nodes = [(app, name) for app, name in BEFORE if name] + [
        node for node in loader.graph.leaf_nodes() if node[0] in django_apps
    ]
    apps = loader.project_state(nodes).apps
    OldCity = apps.get_model("layers", "City")
    OldArea = apps.get_model("layers", "AdminArea")
    OldAgency = apps.get_model("layers", "Agency")
    OldMembership = apps.get_model("layers", "Membership")
    OldLayer = apps.get_model("layers", "Layer")
    OldFeature = apps.get_model("layers", "Feature")
    OldCategory = apps.get_model("reports", "Category")
    OldRule = apps.get_model("reports", "RoutingRule")
    OldReport = apps.get_model("reports", "Report")
    OldJob = apps.get_model("importers", "ImportJob")
    OldUser = apps.get_model("auth", "User")
    OldPermission = apps.get_model("auth", "Permission")
    OldContentType = apps.get_model("contenttypes", "ContentType")

    city = OldCity.objects.create(
        slug="kota-lama",
        name="Kota Lama",
        code="99.71",
        boundary=_square(106.6, -6.2, 0.1),
        default_center=Point(106.65, -6.15, srid=4326),
        time_zone="Asia/Makassar",
    )
    kecamatan = OldArea.objects.create(
        city=city,
        level="kecamatan",
        code="99.71.01",
        name="Kec",
        geom=_square(106.6, -6.2),
    )
    kelurahan = OldArea.objects.create(
        city=city,
        level="kelurahan",
        code="99.71.01.1001",
        name="Kel",
        kind="kelurahan",
        parent=kecamatan,
        geom=_square(106.6, -6.2, 0.005),
    )
    agency = OldAgency.objects.create(city=city, slug="dinas-pu", name="Dinas PU")
    user = OldUser.objects.create(username="editor-lama")
    membership = OldMembership.objects.create(
        city=city, user=user, agency=agency, role="agency_editor"
    )
    # An admin permission granted on the old model must survive the move.
    city_type = OldContentType.objects.get_or_create(app_label="layers", model="city")[
        0
    ]
    permission = OldPermission.objects.get_or_create(
        content_type=city_type, codename="change_city", defaults={"name": "Can change"}
    )[0]
    user.user_permissions.add(permission)
    layer = OldLayer.objects.create(
        city=city,
        agency=agency,
        slug="jalan",
        title="Jalan",
        dimension="living",
        visibility="agency",
    )
    feature = OldFeature.objects.create(
        city=city, layer=layer, geom=Point(106.601, -6.199, srid=4326), properties={}
    )
    category = OldCategory.objects.create(
        city=city, code="jalan-rusak", name="Jalan rusak", agency=agency
    )
    rule = OldRule.objects.create(
        city=city, category=category, area=kecamatan, agency=agency
    )
    now = timezone.now()
    report = OldReport.objects.create(
        city=city,
        category=category,
        ticket="LAMA-1",
        client_uuid=uuid.uuid4(),
        geom=Point(106.601, -6.199, srid=4326),
        public_geom=Point(106.602, -6.198, srid=4326),
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        agency=agency,
        description="Lubang",
        channel="web",
        due_at=now + timedelta(hours=72),
    )
    job = OldJob.objects.create(
        city=city, agency=agency, layer=layer, created_by=user, file="x.geojson"
    )
    return {
        "city": city.pk,
        "kecamatan": kecamatan.pk,
        "kelurahan": kelurahan.pk,
        "agency": agency.pk,
        "user": user.pk,
        "membership": membership.pk,
        "city_type": city_type.pk,
        "layer": layer.pk,
        "feature": feature.pk,
        "category": category.pk,
        "rule": rule.pk,
        "report": report.pk,
        "job": job.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_move_to_tenancy_keeps_every_row_and_foreign_key():
    try:
        _migrate(BEFORE)
        ids = _old_rows()
        _migrate(_latest())

        city = City.objects.get(pk=ids["city"])
        assert (city.slug, city.code, city.time_zone) == (
            "kota-lama",
            "99.71",
            "Asia/Makassar",
        )
        assert city.boundary.contains(city.default_center)
        kelurahan = AdminArea.objects.get(pk=ids["kelurahan"])
        assert kelurahan.city == city
        assert kelurahan.parent == AdminArea.objects.get(pk=ids["kecamatan"])
        assert list(city.areas.order_by("pk").values_list("pk", flat=True)) == [
            ids["kecamatan"],
            ids["kelurahan"],
        ]
        agency = Agency.objects.get(pk=ids["agency"])
        assert agency.city == city
        assert list(city.agencies.all()) == [agency]

        membership = Membership.objects.get(pk=ids["membership"])
        assert membership.role == Role.AGENCY_EDITOR
        assert membership.agency == agency
        assert membership.city == city
        user = get_user_model().objects.get(pk=ids["user"])
        assert list(user.memberships.all()) == [membership]
        assert list(agency.memberships.all()) == [membership]

        # Same content type row (same id), now labelled tenancy: the permission holds.
        city_type = ContentType.objects.get_for_model(City)
        assert city_type.pk == ids["city_type"]
        assert user.has_perm("tenancy.change_city")
        assert Permission.objects.get(codename="change_city").content_type == city_type

        layer = Layer.objects.get(pk=ids["layer"])
        assert (layer.city, layer.agency) == (city, agency)
        assert list(city.layers.all()) == [layer]
        assert list(agency.layers.all()) == [layer]
        feature = Feature.objects.get(pk=ids["feature"])
        assert (feature.city, feature.layer) == (city, layer)

        category = Category.objects.get(pk=ids["category"])
        assert (category.city, category.agency) == (city, agency)
        rule = RoutingRule.objects.get(pk=ids["rule"])
        assert (rule.city, rule.area, rule.agency) == (
            city,
            AdminArea.objects.get(pk=ids["kecamatan"]),
            agency,
        )
        report = Report.objects.get(pk=ids["report"])
        assert (report.city, report.agency, report.kelurahan, report.kecamatan) == (
            city,
            agency,
            kelurahan,
            kelurahan.parent,
        )
        job = ImportJob.objects.get(pk=ids["job"])
        assert (job.city, job.agency, job.layer) == (city, agency, layer)

        # The relations work in queries across the apps, too.
        assert Report.objects.filter(agency__city__slug="kota-lama").count() == 1
        assert (
            Feature.objects.filter(layer__agency__memberships__user=user).count() == 1
        )
    finally:
        _migrate(_latest())
