"""The planner's analysis API against hand-checked SQL, brute force and the
libraries' formulas, on the demo city (real PostGIS)."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse
from pyproj import Geod

from layers.models import Feature, Layer, Visibility
from planner.models import AreaPopulation
from planner.population import load_population
from tenancy.models import AdminArea
from tests.factories import LayerFactory

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")


def run(client, city, **body):
    url = reverse("planner-api:analyses", kwargs={"city_slug": city.slug})
    return client.post(url, json.dumps(body), content_type="application/json")


def features_of(client, city, doc):
    response = client.get(doc["links"]["features"] + "?limit=10000")
    assert response.status_code == 200, response.content[:300]
    return json.loads(b"".join(response.streaming_content))["features"]


def point_layer(city, points, slug="titik", **extra):
    layer = LayerFactory(
        city=city,
        slug=slug,
        title=slug.title(),
        geometry_type="Point",
        schema=[{"name": "name", "type": "text"}, {"name": "kind", "type": "text"}],
        **extra,
    )
    Feature.objects.bulk_create(
        Feature(
            city=city,
            layer=layer,
            geom=Point(x, y, srid=4326),
            properties={"name": f"p{i}", "kind": "a" if i % 2 else "b"},
        )
        for i, (x, y) in enumerate(points)
    )
    return layer


def random_points(city, n, seed=1):
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    x0, y0, x1, y1 = city.boundary.extent
    return [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(n)]


def test_density_per_kelurahan_matches_counts_and_population(client, tangerang):
    areas = list(AdminArea.objects.filter(city=tangerang, level="kelurahan"))
    report = load_population(
        tangerang, [(a.code, 1000 + i, 2024) for i, a in enumerate(areas[:10])]
    )
    assert report.loaded == 10
    response = run(
        client, tangerang, kind="density", layer="sekolah", level="kelurahan"
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    by_code = {
        f["properties"]["code"]: f["properties"]
        for f in features_of(client, tangerang, doc)
    }
    assert len(by_code) == len(areas)
    layer = Layer.objects.get(city=tangerang, slug="sekolah")
    for area in areas:
        expected = Feature.objects.filter(
            layer=layer, geom__intersects=area.geom
        ).count()
        got = by_code[area.code]
        assert got["count"] == expected, area.code
        assert got["density_per_km2"] == pytest.approx(
            expected / got["area_km2"], rel=5e-3, abs=2e-3
        )
    pop = AreaPopulation.objects.get(area=areas[3])
    got = by_code[areas[3].code]
    assert got["population"] == pop.population
    assert got["per_1000_people"] == pytest.approx(
        got["count"] * 1000 / pop.population, abs=1e-3
    )
    assert by_code[areas[20].code]["per_1000_people"] is None
    assert doc["summary"]["total"] == sum(p["count"] for p in by_code.values())


def test_hexbins_count_each_point_once_like_shapely(client, tangerang):
    points = random_points(tangerang, 3000)
    point_layer(tangerang, points)
    response = run(client, tangerang, kind="hexbins", layer="titik", size_m=700)
    assert response.status_code == 201, response.content
    cells = features_of(client, tangerang, response.json())
    polygons = [shapely.geometry.shape(c["geometry"]) for c in cells]
    pts = shapely.points(np.array(points))
    for cell, poly in zip(cells, polygons, strict=True):
        inside = int(shapely.intersects(poly, pts).sum())
        assert cell["properties"]["count"] == inside
    # Every point of the city falls in exactly one cell.
    city = shapely.from_wkt(tangerang.boundary.wkt)
    in_city = int(shapely.intersects(city, pts).sum())
    assert sum(c["properties"]["count"] for c in cells) >= in_city
    # The map's time window: rows valid in January 2025 only (expired today).
    from datetime import UTC, datetime

    layer = Layer.objects.get(city=tangerang, slug="titik")
    first = Feature.objects.filter(layer=layer).order_by("pk").values("pk")[:100]
    Feature.objects.filter(layer=layer, pk__in=first).update(
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
        valid_to=datetime(2025, 1, 31, tzinfo=UTC),
    )
    windowed = run(
        client,
        tangerang,
        kind="hexbins",
        layer="titik",
        size_m=700,
        datetime="2025-01-10/2025-01-20",
        filter="name LIKE 'p%'",
    ).json()
    today = run(client, tangerang, kind="hexbins", layer="titik", size_m=700).json()
    # Undated rows (valid_from NULL) are open: inside any window, and shown today.
    # bulk_create kept the points' order: the first 100 ids are the first 100 points.
    full = sum(c["properties"]["count"] for c in cells)
    grid = shapely.union_all(polygons)
    dated_in = int(shapely.intersects(grid, pts[:100]).sum())
    assert dated_in > 0
    assert windowed["summary"]["total"] == full
    assert today["summary"]["total"] == full - dated_in
    # Cells are regular hexagons of the size asked (edge 700 m, in UTM).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Perimeter(ST_Transform(ST_GeomFromGeoJSON(%s), 32748))",
            [json.dumps(cells[0]["geometry"])],
        )
        assert cursor.fetchone()[0] == pytest.approx(6 * 700, rel=1e-6)


def test_hotspots_gi_star_matches_the_formula_by_hand(client, tangerang):
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    x0, y0, x1, y1 = tangerang.boundary.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    background = random_points(tangerang, 400, seed=3)
    cluster = [(cx + rng.gauss(0, 0.004), cy + rng.gauss(0, 0.004)) for _ in range(400)]
    point_layer(tangerang, background + cluster)
    response = run(client, tangerang, kind="hotspots", layer="titik", size_m=800)
    assert response.status_code == 201, response.content
    doc = response.json()
    cells = features_of(client, tangerang, doc)
    assert doc["summary"]["classes"]["hot-99"] >= 1
    # Gi* by hand: neighbours = hexagons sharing an edge (shapely), self included.
    polys = [shapely.geometry.shape(c["geometry"]) for c in cells]
    x = np.array([c["properties"]["count"] for c in cells], dtype=float)
    n = len(x)
    mean, s = x.mean(), x.std()
    tree = shapely.STRtree(polys)
    for k in range(0, n, max(1, n // 25)):
        near = [
            j
            for j in tree.query(polys[k])
            if polys[k].intersection(polys[j]).length > 1e-6 or j == k
        ]
        w = len(near)
        num = x[near].sum() - mean * w
        den = s * math.sqrt((n * w - w * w) / (n - 1))
        assert cells[k]["properties"]["z"] == pytest.approx(num / den, abs=1e-3)
    hottest = max(cells, key=lambda c: c["properties"]["z"])
    assert hottest["properties"]["class"] == "hot-99"
    centre = shapely.geometry.shape(hottest["geometry"]).centroid
    assert abs(centre.x - cx) < 0.02
    assert abs(centre.y - cy) < 0.02


def test_coverage_gap_hex_cells_agree_with_geodesic_brute_force(client, tangerang):
    layer = Layer.objects.get(city=tangerang, slug="rumah-sakit")
    targets = [f.geom.coords for f in Feature.objects.filter(layer=layer)]
    response = run(
        client,
        tangerang,
        kind="coverage",
        layer="rumah-sakit",
        distance_m=1000,
        size_m=400,
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    gaps = features_of(client, tangerang, doc)
    assert gaps, "some of the city is more than 1 km from a hospital"
    for cell in gaps[:: max(1, len(gaps) // 40)]:
        centre = shapely.geometry.shape(cell["geometry"]).centroid
        nearest = min(GEOD.inv(centre.x, centre.y, tx, ty)[2] for tx, ty in targets)
        assert nearest > 1000 * 0.995
    assert 0 < doc["summary"]["uncovered_area_share"] < 1
    # Per kelurahan with populations everywhere: the people uncovered add up.
    areas = AdminArea.objects.filter(city=tangerang, level="kelurahan")
    load_population(tangerang, [(a.code, 5000, None) for a in areas])
    response = run(
        client,
        tangerang,
        kind="coverage",
        layer="rumah-sakit",
        distance_m=1000,
        unit="kelurahan",
    )
    doc = response.json()
    rows = [f["properties"] for f in features_of(client, tangerang, doc)]
    assert all(0 < r["uncovered_share"] <= 1 for r in rows)
    assert sum(r["population_uncovered"] for r in rows) == pytest.approx(
        doc["summary"]["population_uncovered"], rel=0.02
    )
    assert 0 < doc["summary"]["uncovered_population_share"] < 1


def test_overlay_counts_within_distance_of_each_feature(client, tangerang):
    points = random_points(tangerang, 1500, seed=11)
    point_layer(tangerang, points)
    response = run(
        client, tangerang, kind="overlay", base="pasar", count="titik", distance_m=500
    )
    assert response.status_code == 201, response.content
    rows = features_of(client, tangerang, response.json())
    assert (
        len(rows)
        == Feature.objects.filter(layer__slug="pasar", layer__city=tangerang).count()
    )
    for row in rows[:15]:
        mx, my = row["geometry"]["coordinates"]
        expected = sum(1 for x, y in points if GEOD.inv(mx, my, x, y)[2] <= 500)
        assert row["properties"]["count"] == expected
        assert row["properties"]["name"]
    # "per kelurahan": the count per area.
    response = run(client, tangerang, kind="overlay", base="kelurahan", count="titik")
    assert response.status_code == 201
    city = shapely.from_wkt(tangerang.boundary.wkt)
    in_city = int(shapely.intersects(city, shapely.points(np.array(points))).sum())
    # Border points count twice; slivers between kelurahan, none.
    assert abs(response.json()["summary"]["total"] - in_city) <= 5


def test_select_inside_within_and_nearest_of_a_drawn_geometry(client, tangerang):
    x0, y0, x1, y1 = tangerang.boundary.extent
    box = [[x0, y0], [x1, y0], [x1, (y0 + y1) / 2], [x0, (y0 + y1) / 2], [x0, y0]]
    polygon = {"type": "Polygon", "coordinates": [box]}
    response = run(
        client,
        tangerang,
        kind="select",
        mode="inside",
        geometry=polygon,
        layers=["rumah-sakit", "sekolah"],
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    from django.contrib.gis.geos import GEOSGeometry

    drawn = GEOSGeometry(json.dumps(polygon), srid=4326)
    for slug in ("rumah-sakit", "sekolah"):
        expected = Feature.objects.filter(
            layer__city=tangerang, layer__slug=slug, geom__intersects=drawn
        ).count()
        assert doc["summary"]["counts"].get(slug, 0) == expected
    centre = {"type": "Point", "coordinates": [(x0 + x1) / 2, (y0 + y1) / 2]}
    response = run(
        client,
        tangerang,
        kind="select",
        mode="nearest",
        geometry=centre,
        n=3,
        layers=["rumah-sakit"],
    )
    rows = features_of(client, tangerang, response.json())
    hospitals = [
        f.geom.coords
        for f in Feature.objects.filter(
            layer__slug="rumah-sakit", layer__city=tangerang
        )
    ]
    brute = sorted(GEOD.inv(*centre["coordinates"], x, y)[2] for x, y in hospitals)[:3]
    got = sorted(r["properties"]["distance_m"] for r in rows)
    assert got == pytest.approx(brute, abs=1.0)
    response = run(
        client,
        tangerang,
        kind="select",
        mode="within",
        geometry=centre,
        distance_m=brute[2] + 1,
        layers=["rumah-sakit"],
    )
    assert response.json()["summary"]["counts"]["rumah-sakit"] == 3
    # A self-intersecting "bow tie" is repaired, and says so.
    bow = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]],
    }
    response = run(client, tangerang, kind="select", geometry=bow, layers=["sekolah"])
    assert response.status_code == 201, response.content
    assert response.json()["summary"]["repaired"] is True


def test_bad_input_is_a_400_with_a_message(client, tangerang):
    _x0, _y0, _x1, _y1 = tangerang.boundary.extent
    world = {
        "type": "Polygon",
        "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]],
    }
    cases = [
        ({"kind": "nope"}, "kind"),
        ({"kind": "hexbins", "layer": "sekolah", "size_m": 30}, "limit is"),
        ({"kind": "hexbins", "layer": "kecamatan-x"}, "no layer"),
        ({"kind": "hexbins", "layer": "sekolah", "size_m": "NaN"}, "size_m"),
        ({"kind": "coverage", "layer": "sekolah", "distance_m": 0}, "between"),
        ({"kind": "coverage", "layer": "sekolah", "distance_m": 1e6}, "between"),
        ({"kind": "select", "layers": ["sekolah"], "geometry": world}, "too large"),
        (
            {
                "kind": "select",
                "layers": ["sekolah"],
                "geometry": {"type": "Polygon", "coordinates": [[[500, 1]]]},
            },
            "longitude",
        ),
        ({"kind": "density", "layer": "sekolah", "filter": "nope = 'x'"}, "filter"),
        ({"kind": "density", "layer": "sekolah", "level": "provinsi"}, "level"),
        ({"kind": "select", "layers": [], "geometry": world}, "geometry"),
        ({"kind": "overlay", "base": "pasar", "count": "sekolah"}, "distance"),
        ({"kind": "hexbins", "layer": "sekolah", "datetime": "2024-13-01"}, "datetime"),
    ]
    for body, words in cases:
        response = run(client, tangerang, **body)
        assert response.status_code == 400, (body, response.content)
        assert words in json.dumps(response.json()), (body, response.json())
    url = reverse("planner-api:analyses", kwargs={"city_slug": tangerang.slug})
    assert client.post(url, "[1]", content_type="application/json").status_code == 400
    assert client.post(url, "{bad", content_type="application/json").status_code == 400


def test_results_are_layers_tabled_exported_and_private_when_inputs_are(
    client, tangerang, django_user_model
):
    layer = point_layer(
        tangerang, random_points(tangerang, 200), visibility=Visibility.INTERNAL
    )
    response = run(client, tangerang, kind="hexbins", layer=layer.slug)
    assert response.status_code == 400  # not visible to the public
    staff = django_user_model.objects.create_superuser(
        "boss", "b@x.id", "pw-Secret-123"
    )
    client.force_login(staff)
    response = run(client, tangerang, kind="hexbins", layer=layer.slug, size_m=1000)
    assert response.status_code == 201
    doc = response.json()
    table = client.get(doc["links"]["table"] + "?sort=count&order=desc&limit=5").json()
    counts = [r["properties"]["count"] for r in table["rows"]]
    assert counts == sorted(counts, reverse=True)
    assert len(counts) == 5
    assert client.get(doc["links"]["table"] + "?sort=nope").status_code == 400
    for fmt in ("csv", "gpkg", "geojson", "shp"):
        got = client.get(doc["links"]["export"] + f"?format={fmt}&filter=count>1")
        assert got.status_code == 200, (fmt, got.content[:200])
        assert b"".join(got.streaming_content)
    client.logout()
    assert client.get(doc["links"]["features"]).status_code == 404


def test_search_finds_areas_features_and_coordinates(client, tangerang):
    url = reverse("planner-api:search", kwargs={"city_slug": tangerang.slug})
    results = client.get(url, {"q": "sukarasa"}).json()["results"]
    assert any(
        r["kind"] == "kelurahan" and r["code"] == "36.71.01.1001" for r in results
    )
    results = client.get(url, {"q": "36.71.01"}).json()["results"]
    assert any(r.get("code", "").startswith("36.71.01") for r in results)
    results = client.get(url, {"q": "-6.18, 106.63"}).json()["results"]
    assert results[0] == {
        "kind": "coordinates",
        "label": "-6.180000, 106.630000",
        "lon": 106.63,
        "lat": -6.18,
    }
    results = client.get(url, {"q": "RS "}).json()["results"]
    assert any(r["kind"] == "feature" and r["layer"] == "rumah-sakit" for r in results)
    assert client.get(url, {"q": "a\x00b"}).status_code == 400


def test_the_one_file_map_carries_the_analyses_and_the_title(client, tangerang):
    # Here, not in test_saved_maps.py: it shares this module's demo city.
    from django.contrib.auth.models import AnonymousUser

    from planner.analysis import run_analysis

    result = run_analysis(
        tangerang,
        AnonymousUser(),
        {"kind": "hexbins", "layer": "sekolah", "size_m": 1500},
    )
    url = reverse("layers:static-map", kwargs={"city_slug": tangerang.slug})
    html = client.get(
        url, {"analysis": f"{result.pk},999999", "title": "Rapat <b>Bappeda</b>"}
    ).content.decode()
    assert "Rapat &lt;b&gt;Bappeda&lt;/b&gt;" in html
    assert "Rapat <b>" not in html
    assert "hexagons of 1500 m" in html
    plain = client.get(url).content.decode()
    assert "hexagons of 1500 m" not in plain
