"""A new layer is created new: no import writes into a layer it was not given (and
permitted) explicitly; reserved source keys and empty or unsafe slugs are refused."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from importers.errors import LayerConflict
from importers.jobs import check_job, run_job
from importers.models import ImportJob
from importers.services import NewLayer, import_file
from layers.models import Feature, Layer, Visibility
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
    UserFactory,
)
from tests.importers.conftest import write

# The message in English or Indonesian (the request's or the default language).
RESERVED = "reserved|dicadangkan"


@pytest.fixture
def editor(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    return user


@pytest.fixture
def api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def others_layer(city):
    """Agency B's agency-only layer, which agency A's editor may neither read nor
    write."""
    layer = LayerFactory(
        city=city,
        agency=AgencyFactory(city=city),
        slug="sekolah",
        title="Sekolah",
        visibility=Visibility.AGENCY,
    )
    FeatureFactory(layer=layer)
    return layer


def _upload(points, tmp_path, name="sekolah.geojson"):
    handle = io.BytesIO(write(points, tmp_path / name).read_bytes())
    handle.name = name
    return handle


@pytest.mark.parametrize("mode", ["append", "replace", "upsert", "create"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_title_of_another_agencys_layer_is_a_conflict_not_a_write(
    api, city, agency, others_layer, points, tmp_path, mode, dry_run
):
    response = api.post(
        f"/api/{city.slug}/imports/",
        {
            "file": _upload(points, tmp_path),
            "title": "Sekolah",
            "agency": agency.slug,
            "mode": mode,
            "key": "kode",
            "dry_run": dry_run,
        },
        format="multipart",
    )
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert "already exists" in detail
    # Nothing about the layer but its slug (which the title gave) comes back.
    assert others_layer.title not in detail.replace("'sekolah'", "")
    assert "count" not in response.json()
    assert not ImportJob.objects.exists()
    assert Feature.objects.filter(layer=others_layer).count() == 1


def test_service_never_appends_a_new_layer_into_an_existing_one(
    city, agency, others_layer, points, tmp_path
):
    path = write(points, tmp_path / "p.geojson")
    for mode in ("append", "replace"):
        with pytest.raises(LayerConflict, match="already exists"):
            import_file(
                path,
                new_layer=NewLayer(city=city, slug="sekolah", title="x", agency=agency),
                mode=mode,
            )
    assert Feature.objects.filter(layer=others_layer).count() == 1


def test_web_upload_with_a_taken_title_shows_the_conflict(
    client, editor, city, agency, others_layer, points, tmp_path
):
    client.force_login(editor)
    response = client.post(
        f"/{city.slug}/imports/",
        {
            "file": _upload(points, tmp_path),
            "title": "Sekolah",
            "agency": agency.pk,
            "mode": "append",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("title", ["Laporan", "laporan", "Boundaries kecamatan"])
def test_reserved_source_keys_cannot_become_layers(
    api, city, agency, points, tmp_path, title
):
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(points, tmp_path), "title": title, "agency": agency.slug},
        format="multipart",
    )
    assert response.status_code == 409, response.content
    assert re.search(RESERVED, response.json()["detail"])
    assert not Layer.objects.filter(slug__in=["laporan", "boundaries-kecamatan"])


def test_reserved_key_is_refused_by_the_service_and_the_model(
    city, agency, points, tmp_path
):
    with pytest.raises(LayerConflict, match=RESERVED):
        import_file(
            write(points, tmp_path / "p.geojson"),
            new_layer=NewLayer(city=city, slug="laporan", title="Laporan"),
            mode="create",
        )
    for slug in ("laporan", "Laporan", "BOUNDARIES-kelurahan"):
        layer = Layer(city=city, slug=slug, title="Laporan", dimension="living")
        with pytest.raises(ValidationError, match=RESERVED):
            layer.full_clean()


@pytest.mark.parametrize("title", ["!!!", "测试数据"])
def test_title_without_latin_letters_gets_a_generated_slug(
    api, city, agency, points, tmp_path, title
):
    LayerFactory(city=city, slug="layer-2")
    response = api.post(
        f"/api/{city.slug}/imports/",
        {
            "file": _upload(points, tmp_path),
            "title": title,
            "agency": agency.slug,
            "confirm": "false",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert job.new_layer_slug == "layer-3"
    assert response.json()["layer"] == "layer-3"


def test_empty_or_unsafe_slug_never_reaches_the_database(city, points, tmp_path):
    with pytest.raises(LayerConflict):
        import_file(
            write(points, tmp_path / "p.geojson"),
            new_layer=NewLayer(city=city, slug="", title="!!!"),
            mode="create",
        )
    for slug in ("", "a b", "测试"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Layer.objects.create(city=city, slug=slug, title="x", dimension="living")
    assert not Layer.objects.filter(city=city).exists()


def test_job_whose_layer_was_deleted_fails_instead_of_creating_one(
    api, city, layer, points, tmp_path
):
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(points, tmp_path), "layer": layer.slug},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    check_job(job_id)  # the worker's check; the API asked to import at once
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.QUEUED
    layer.delete()
    job = run_job(job_id)
    assert job.status == ImportJob.Status.FAILED
    assert "deleted" in job.error
    assert not Layer.objects.filter(city=city).exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [("laporan", RESERVED), ("sekolah", "already exists"), ("a b", "ASCII")],
)
def test_import_layer_command_refuses_reserved_taken_and_unsafe_slugs(
    city, agency, others_layer, points, tmp_path, slug, message
):
    from django.core.management import CommandError, call_command

    path = write(points, tmp_path / "p.geojson")
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_layer",
            str(path),
            city=city.slug,
            layer=slug,
            mode="create",
            title="x",
            agency=agency.slug,
        )
    assert Feature.objects.filter(layer=others_layer).count() == 1
    assert not Layer.objects.filter(slug__in=["laporan", "a b"]).exists()
