"""What leaves the importer is safe to open: CSV cells a spreadsheet will not run as
formulas, and error messages that never show where files live on the server."""

from __future__ import annotations

import csv
import io
import tempfile

import pyogrio
import pytest
from django.conf import settings

from importers.errors import ImportFailed
from importers.formats import ReadOptions
from importers.jobs import preview_file
from importers.report import rejected_csv
from tests.factories import FeatureFactory, LayerFactory
from tests.importers.conftest import write


@pytest.fixture
def hostile(city, agency):
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="hostile",
        schema=[
            {"name": "nama", "type": "text", "label": "Nama"},
            {"name": "jumlah", "type": "number", "label": "Jumlah"},
            {"name": "=cmd", "type": "text", "label": "x"},
        ],
    )
    values = [
        "=HYPERLINK('http://evil.example','klik')",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "Pasar Baru",
        "-5",
    ]
    for i, value in enumerate(values):
        FeatureFactory(
            layer=layer,
            external_id=f"=k{i}",
            properties={"nama": value, "jumlah": -1.5 * i, "=cmd": "ok"},
        )
    return layer


def _csv_rows(client, layer, **params: str) -> list[dict[str, str]]:
    query = "&".join(f"{k}={v}" for k, v in {"format": "csv", **params}.items())
    response = client.get(f"/api/{layer.city.slug}/layers/{layer.slug}/export?{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("coords", ["wkt", "latlon"])
def test_csv_export_neutralises_formulas_but_keeps_negative_numbers(
    client, hostile, coords
):
    rows = _csv_rows(client, hostile, coords=coords)
    names = [r["nama"] for r in rows]
    assert names == [
        "'=HYPERLINK('http://evil.example','klik')",
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1+1",
        "'\r=1+1",
        "Pasar Baru",
        # A text column: '-5' could be a formula prefix there.
        "'-5",
    ]
    # Numeric column: plain negative numbers stay numbers.
    assert [float(r["jumlah"]) for r in rows] == [-1.5 * i for i in range(8)]
    assert all(not r["jumlah"].startswith("'") for r in rows)
    assert {r["external_id"] for r in rows} == {f"'=k{i}" for i in range(8)}
    # A column name is a cell too.
    assert "'=cmd" in rows[0]
    assert "=cmd" not in rows[0]


def test_rejected_rows_csv_neutralises_formulas():
    body = rejected_csv([(1, "=HYPERLINK('x')"), {"row": 2, "reason": "bad value"}])
    assert list(csv.reader(io.StringIO(body))) == [
        ["row", "reason"],
        ["1", "'=HYPERLINK('x')"],
        ["2", "bad value"],
    ]


def test_import_messages_never_show_server_paths():
    media = str(settings.MEDIA_ROOT)
    message = str(
        ImportFailed(
            f"Cannot read a.gpkg: '{media}/imports/1/6f1c/a.gpkg' not recognized; "
            "/vsizip//tmp/petakota-import-x1/a.zip/in/b.shp: bad header"
        )
    )
    assert media not in message
    assert tempfile.gettempdir() + "/" not in message
    assert "petakota-import" not in message
    assert message == ("Cannot read a.gpkg: 'a.gpkg' not recognized; b.shp: bad header")


def test_upload_error_from_gdal_shows_no_server_path(points, tmp_path, monkeypatch):
    """GDAL names the stored upload's full path in its errors: the message must not."""

    def failing_read(path, *args, **kwargs):
        raise pyogrio.errors.DataSourceError(
            f"'{path}' not recognized as being in a supported file format."
        )

    monkeypatch.setattr(pyogrio, "read_dataframe", failing_read)
    path = write(points, tmp_path / "p.geojson")
    with pytest.raises(ImportFailed) as caught:
        preview_file(path, ReadOptions())
    message = str(caught.value)
    assert "not recognized" in message
    assert str(tmp_path) not in message
    assert tempfile.gettempdir() + "/" not in message
