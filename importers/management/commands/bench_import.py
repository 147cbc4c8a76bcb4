"""manage.py bench_import [--points N] [--polygons N] [--shapefile N]: the import
benchmark. Builds synthetic files, then times import_layer, `ogr2ogr -f PostgreSQL
--config PG_USE_COPY YES` and geopandas `to_postgis` on the same files, printing
features/s and peak memory (max RSS of each run's process) side by side."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from layers.models import City

CITY = "kota-tangerang"
# Kota Tangerang's extent, so the plausible-extent check passes.
MIN_X, MIN_Y, MAX_X, MAX_Y = 106.56, -6.25, 106.72, -6.10


def _frame(n: int, polygons: bool) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(42)
    x = rng.uniform(MIN_X, MAX_X, n)
    y = rng.uniform(MIN_Y, MAX_Y, n)
    geoms = shapely.points(x, y)
    if polygons:
        geoms = shapely.box(x, y, x + 0.0005, y + 0.0005)
    return gpd.GeoDataFrame(
        {
            "kode": np.char.add("F", np.arange(n).astype(str)),
            "jumlah": rng.integers(0, 1000, n),
            "nilai": rng.random(n),
            "nama": np.char.add("Fasilitas ", (np.arange(n) % 997).astype(str)),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    # The commands are built here from fixed arguments and generated file names.
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr[-500:]}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: report it only
    # when this child raised it (runs are ordered smallest-first per tool).
    return seconds, max(peak, before) / 1024


class Command(BaseCommand):
    help = "Benchmark imports against ogr2ogr and geopandas.to_postgis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--points", type=int, default=1_000_000)
        parser.add_argument("--polygons", type=int, default=1_000_000)
        parser.add_argument("--shapefile", type=int, default=250_000)
        parser.add_argument("--markdown", help="Append the results table to this file.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not City.objects.filter(slug=CITY).exists():
            from django.core.management import call_command

            call_command("load_demo", verbosity=0)
        db = connection.settings_dict
        pg = (
            f"PG:host={db['HOST']} port={db['PORT']} dbname={db['NAME']} "
            f"user={db['USER']}"
            + (f" password={db['PASSWORD']}" if db["PASSWORD"] else "")
        )
        url = (
            f"postgresql+psycopg://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
            f"{db['PORT']}/{db['NAME']}"
        )
        rows = []
        with tempfile.TemporaryDirectory(prefix="petakota-bench-") as tmp:
            folder = Path(tmp)
            cases = []
            if opts["points"]:
                path = folder / "points.csv"
                frame = _frame(opts["points"], polygons=False)
                table = pd.DataFrame(frame.drop(columns="geometry"))
                table["lon"], table["lat"] = frame.geometry.x, frame.geometry.y
                table.to_csv(path, index=False)
                cases.append(("CSV points", path, opts["points"]))
            if opts["polygons"]:
                path = folder / "polygons.gpkg"
                _frame(opts["polygons"], polygons=True).to_file(path, engine="pyogrio")
                cases.append(("GeoPackage polygons", path, opts["polygons"]))
            if opts["shapefile"]:
                shp = folder / "shp"
                shp.mkdir()
                _frame(opts["shapefile"], polygons=True).to_file(
                    shp / "features.shp", engine="pyogrio"
                )
                cases.append(("Shapefile polygons", shp, opts["shapefile"]))
            for name, path, n in cases:
                slug = f"bench-{path.stem}"
                ours = _timed(
                    [
                        sys.executable,
                        "manage.py",
                        "import_layer",
                        str(path),
                        "--city",
                        CITY,
                        "--layer",
                        slug,
                        "--create",
                        "--mode",
                        "replace",
                    ]
                )
                src = str(path / "features.shp") if path.is_dir() else str(path)
                ogr = [
                    "ogr2ogr",
                    "-f",
                    "PostgreSQL",
                    "--config",
                    "PG_USE_COPY",
                    "YES",
                    pg,
                    src,
                    "-nln",
                    f"bench_ogr_{path.stem}",
                    "-overwrite",
                    "-lco",
                    "GEOMETRY_NAME=geom",
                ]
                if path.suffix == ".csv":
                    ogr += [
                        "-oo",
                        "X_POSSIBLE_NAMES=lon",
                        "-oo",
                        "Y_POSSIBLE_NAMES=lat",
                        "-a_srs",
                        "EPSG:4326",
                    ]
                theirs = _timed(ogr)
                gpd_code = (
                    "import geopandas as gpd, pyogrio, sqlalchemy, sys\n"
                    "p = sys.argv[1]\n"
                    "if p.endswith('.csv'):\n"
                    "    import pandas as pd\n"
                    "    t = pd.read_csv(p)\n"
                    "    g = gpd.points_from_xy(t.lon, t.lat)\n"
                    "    f = gpd.GeoDataFrame(t, geometry=g, crs=4326)\n"
                    "else:\n"
                    "    f = pyogrio.read_dataframe(p, use_arrow=True)\n"
                    "f.to_postgis('bench_gpd', sqlalchemy.create_engine(sys.argv[2]),"
                    " if_exists='replace', chunksize=50000)\n"
                )
                try:
                    geo = _timed([sys.executable, "-c", gpd_code, src, url])
                except RuntimeError as exc:
                    self.stderr.write(f"to_postgis failed: {exc}")
                    geo = (float("nan"), float("nan"))
                rows.append((name, n, ours, theirs, geo))
        lines = [
            "| file | features | import_layer f/s | peak MB | ogr2ogr f/s | "
            "to_postgis f/s | vs ogr2ogr | vs to_postgis |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, n, ours, theirs, geo in rows:
            lines.append(
                f"| {name} | {n:,} | {n / ours[0]:,.0f} | {ours[1]:.0f} | "
                f"{n / theirs[0]:,.0f} | {n / geo[0]:,.0f} | "
                f"{theirs[0] / ours[0]:.2f}x | {geo[0] / ours[0]:.2f}x |"
            )
        text = "\n".join(lines)
        self.stdout.write(text)
        if opts["markdown"]:
            with Path(opts["markdown"]).open("a", encoding="utf-8") as out:
                out.write(text + "\n")
