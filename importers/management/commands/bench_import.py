"""manage.py bench_import [--points N] [--polygons N] [--shapefile N]: the import
benchmark. Builds synthetic files, then times import_layer, `ogr2ogr -f PostgreSQL
--config PG_USE_COPY YES` and geopandas `to_postgis` on the same files, printing
features/s and peak memory (max RSS of each run's own process) side by side.

ogr2ogr runs twice: into a fresh table (what `ogr2ogr` does by default: one GiST
index, no constraints), and appending into a table built like `layers_feature` (the
same indexes, the same deferred foreign keys, `properties` as a jsonb column built
from the attributes): the like-for-like baseline for what import_layer has to write.
"""

from __future__ import annotations

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

from layers.models import Layer
from tenancy.models import City

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


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process: the high-water mark of its own memory."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process.

    Not getrusage/wait4: subprocess starts children with vfork, and Linux counts the
    parent's memory at exec into the child's ru_maxrss (this command holds the
    synthetic data, so every child would look that big). VmHWM belongs to the
    child's own address space; it only grows, so polling it misses at most the
    last 20 ms.
    """
    started = time.perf_counter()
    peak = 0.0
    with tempfile.TemporaryFile() as errors:
        # The commands are built here from fixed arguments and generated file names.
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)  # noqa: S603
        while child.poll() is None:
            peak = max(peak, _peak_rss_mb(child.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if child.returncode:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-500:]
            raise RuntimeError(f"{cmd[0]} failed: {message}")
    return seconds, peak


# A table written like layers_feature: same indexes (LIKE ... INCLUDING ALL), the same
# deferred foreign keys, and properties built from the attribute columns (a generated
# column needs an IMMUTABLE expression; jsonb_build_object is only marked STABLE).
_LIKE_TABLE = """
DROP TABLE IF EXISTS bench_ogr_like;
CREATE OR REPLACE FUNCTION bench_props(text, bigint, double precision, text)
  RETURNS jsonb LANGUAGE sql IMMUTABLE
  AS $$ SELECT jsonb_build_object('kode', $1, 'jumlah', $2, 'nilai', $3, 'nama', $4) $$;
CREATE TABLE bench_ogr_like (LIKE layers_feature INCLUDING ALL);
ALTER TABLE bench_ogr_like DROP COLUMN properties,
  ADD COLUMN kode text, ADD COLUMN jumlah bigint, ADD COLUMN nilai double precision,
  ADD COLUMN nama text,
  ADD COLUMN properties jsonb
    GENERATED ALWAYS AS (bench_props(kode, jumlah, nilai, nama)) STORED,
  ALTER COLUMN city_id SET DEFAULT {city}, ALTER COLUMN layer_id SET DEFAULT {layer},
  ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(),
  ALTER COLUMN version SET DEFAULT 1,
  ADD FOREIGN KEY (city_id) REFERENCES layers_city DEFERRABLE INITIALLY DEFERRED,
  ADD FOREIGN KEY (layer_id) REFERENCES layers_layer DEFERRABLE INITIALLY DEFERRED;
"""


class Command(BaseCommand):
    help = "Benchmark imports against ogr2ogr and geopandas.to_postgis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--points", type=int, default=1_000_000)
        parser.add_argument("--polygons", type=int, default=1_000_000)
        parser.add_argument("--shapefile", type=int, default=250_000)
        parser.add_argument(
            "--no-like-for-like",
            action="store_true",
            help="Skip the ogr2ogr run into a table indexed like layers_feature.",
        )
        parser.add_argument("--markdown", help="Append the results table to this file.")

    def _like_for_like(
        self, ogr: list[str], src: str, slug: str
    ) -> tuple[float, float]:
        """ogr2ogr appending into a table indexed and keyed like layers_feature."""
        city = City.objects.get(slug=CITY)
        layer = Layer.objects.get(city=city, slug=slug)
        # Integer ids from the database; DDL takes no bound parameters.
        ddl = _LIKE_TABLE.format(city=int(city.pk), layer=int(layer.pk))
        with connection.cursor() as cursor:
            for statement in filter(str.strip, ddl.split(";")):
                cursor.execute(statement)
        like = [*ogr[:8], "-append", "-nln", "bench_ogr_like", *ogr[13:]]
        if src.endswith(".csv"):
            like += ["-oo", "KEEP_GEOM_COLUMNS=NO"]
        return _timed(like)

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
                same = (float("nan"), float("nan"))
                if not opts["no_like_for_like"]:
                    same = self._like_for_like(ogr, src, slug)
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
                rows.append((name, n, ours, theirs, same, geo))
        lines = [
            "| file | features | import_layer f/s | peak MB | ogr2ogr fresh f/s | "
            "ogr2ogr like-for-like f/s | to_postgis f/s | vs ogr2ogr fresh | "
            "vs like-for-like | vs to_postgis |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, n, ours, theirs, same, geo in rows:
            lines.append(
                f"| {name} | {n:,} | {n / ours[0]:,.0f} | {ours[1]:.0f} | "
                f"{n / theirs[0]:,.0f} | {n / same[0]:,.0f} | {n / geo[0]:,.0f} | "
                f"{theirs[0] / ours[0]:.2f}x | {same[0] / ours[0]:.2f}x | "
                f"{geo[0] / ours[0]:.2f}x |"
            )
        text = "\n".join(lines)
        self.stdout.write(text)
        if opts["markdown"]:
            with Path(opts["markdown"]).open("a", encoding="utf-8") as out:
                out.write(text + "\n")
