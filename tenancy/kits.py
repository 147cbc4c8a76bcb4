"""City kits: everything that makes a city run other than its records, as a folder of
human-editable YAML files (issue 11).

A kit is `kit.yaml` (format version, the parts it holds) plus one `<part>.yaml` per
part. Each app contributes its parts through one interface, called from its
AppConfig.ready():

    register_kit_part("categories", export=..., validate=..., apply=..., order=30)

- export(city) -> data that `yaml.safe_dump` can write;
- validate(data, kit) -> the problems of that part (a list of sentences); `kit.data()`
  gives the other parts' data for cross-checks (a category's agency is in the kit);
- apply(city, data, kit) -> PartOutcome: create or update by natural key, never
  delete, so applying twice changes nothing.

Parts apply in `order` (agencies before the categories that name them). The whole
kit is validated before anything is written; applying runs inside the caller's
transaction. Nothing here imports layers, importers or reports.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from gis_platform.log import log_event
from tenancy.models import City

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
KIT_FILE = "kit.yaml"
README_FILE = "README.md"


@dataclass
class PartOutcome:
    """What applying one part did; warnings are things the caller must show."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass(frozen=True)
class KitPart:
    name: str
    export: Callable[[City], Any]
    validate: Callable[[Any, Kit], list[str]]
    apply: Callable[[City, Any, Kit], PartOutcome]
    order: int
    description: str

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"


_parts: dict[str, KitPart] = {}


def register_kit_part(
    name: str,
    *,
    export: Callable[[City], Any],
    validate: Callable[[Any, Kit], list[str]],
    apply: Callable[[City, Any, Kit], PartOutcome],
    order: int = 50,
    description: str = "",
) -> None:
    """Add (or replace, when an app is reloaded) one part of every kit."""
    _parts[name] = KitPart(name, export, validate, apply, order, description)


def kit_parts() -> list[KitPart]:
    return sorted(_parts.values(), key=lambda p: (p.order, p.name))


class KitError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Kit:
    folder: Path
    manifest: dict[str, Any]
    parts: dict[str, Any]

    def data(self, name: str) -> Any:
        """One part's data (None when the kit lacks it)."""
        return self.parts.get(name)


def _load_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: file missing.")
    except UnicodeDecodeError:
        problems.append(f"{path.name}: not UTF-8 text.")
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: not valid YAML: {exc}".replace("\n", " "))
    return None


def read_kit(folder: Path) -> Kit:
    """Read and validate a whole kit. Raises KitError listing every problem found."""
    problems: list[str] = []
    if not folder.is_dir():
        raise KitError([f"{folder}: no such folder."])
    manifest = _load_yaml(folder / KIT_FILE, problems)
    if problems:
        raise KitError(problems)
    if not isinstance(manifest, dict):
        raise KitError([f"{KIT_FILE}: expected a mapping (format_version, parts)."])
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        problems.append(
            f"{KIT_FILE}: format_version {version!r} is not supported "
            f"(this platform reads version {FORMAT_VERSION})."
        )
    names = manifest.get("parts")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(f"{KIT_FILE}: 'parts' must be a list of part names.")
        names = []
    known = {p.name: p for p in kit_parts()}
    for name in sorted(set(names) - known.keys()):
        problems.append(
            f"{KIT_FILE}: unknown part {name!r} (this platform knows: "
            f"{', '.join(known)})."
        )
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{KIT_FILE}: part {name!r} is listed twice.")
    parts: dict[str, Any] = {}
    unreadable: set[str] = set()
    for name in names:
        if name in known and name not in parts:
            before = len(problems)
            data = _load_yaml(folder / known[name].filename, problems)
            if len(problems) > before:
                unreadable.add(name)
            # An empty file is an empty part; an unreadable one is None, which
            # the other parts' cross-checks skip (kit_codes).
            parts[name] = None if name in unreadable else ([] if data is None else data)
    kit = Kit(folder=folder, manifest=manifest, parts=parts)
    for part in kit_parts():
        if part.name in parts and part.name not in unreadable:
            data = parts[part.name]
            problems += [f"{part.filename}: {p}" for p in part.validate(data, kit)]
    if problems:
        raise KitError(problems)
    return kit


@dataclass
class KitReport:
    outcomes: dict[str, PartOutcome] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [w for o in self.outcomes.values() for w in o.warnings]


def apply_kit(city: City, kit: Kit, only: Collection[str] | None = None) -> KitReport:
    """Apply a validated kit's parts (or `only` those named) to `city` in order,
    atomically."""
    report = KitReport()
    with transaction.atomic():
        for part in kit_parts():
            if part.name in kit.parts and (only is None or part.name in only):
                data = kit.parts[part.name]
                report.outcomes[part.name] = part.apply(city, data, kit)
    log_event(
        logger,
        "kit.applied",
        city=city.slug,
        parts=",".join(report.outcomes),
        warnings=len(report.warnings),
    )
    return report


def entries(
    data: Any,
    problems: list[str],
    *,
    key: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> list[tuple[str, dict[str, Any]]]:
    """The well-shaped entries of a part that is a list of mappings, as (label,
    entry); every shape problem (not a list, unknown or missing fields, a repeated
    `key`) is added to `problems`. A part's validator checks the values."""
    if not isinstance(data, list):
        problems.append("expected a list of entries.")
        return []
    allowed = (*required, *optional)
    seen: set[Any] = set()
    result = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(f"entry {number}: expected a mapping of fields.")
            continue
        label = f"entry {number}"
        if isinstance(item.get(key), str | int):
            label += f" ({key} {item[key]})"
        unknown = sorted(str(k) for k in item if k not in allowed)
        if unknown:
            problems.append(
                f"{label}: unknown field(s) {', '.join(unknown)} "
                f"(allowed: {', '.join(allowed)})."
            )
        missing = [k for k in required if item.get(k) in (None, "")]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}.")
        value = item.get(key)
        hashable = value if isinstance(value, str | int | float | tuple) else None
        if hashable is not None and hashable in seen:
            problems.append(f"{label}: duplicate {key} {value}.")
            continue
        seen.add(hashable)
        if unknown or missing:
            continue
        result.append((label, item))
    return result


def check_text(
    item: dict[str, Any], name: str, label: str, problems: list[str], max_length: int
) -> None:
    value = item.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        problems.append(f"{label}: {name} must be text (quote it).")
    elif len(value) > max_length:
        problems.append(f"{label}: {name} is longer than {max_length} characters.")
    elif any(ord(c) < 32 and c not in "\n\t" for c in value):
        problems.append(f"{label}: {name} contains control characters.")


def check_whole(
    item: dict[str, Any], name: str, label: str, problems: list[str], maximum: int
) -> None:
    value = item.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{label}: {name} must be a whole number, got {value!r}.")
    elif not 0 <= value <= maximum:
        problems.append(f"{label}: {name} must be between 0 and {maximum}.")


def check_choice(
    item: dict[str, Any],
    name: str,
    label: str,
    problems: list[str],
    choices: list[str],
) -> None:
    value = item.get(name)
    if value is not None and value not in choices:
        problems.append(
            f"{label}: unknown {name} {value!r} (one of: {', '.join(choices)})."
        )


def in_reading_order(item: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """A mapping with its keys in reading order for a kit file (jsonb stores them
    sorted): the keys named in `order` first, the rest alphabetically."""
    rank = {key: i for i, key in enumerate(order)}
    return dict(
        sorted(item.items(), key=lambda kv: (rank.get(kv[0], len(order)), kv[0]))
    )


def kit_codes(kit: Kit, part: str, key: str) -> set[str] | None:
    """The `key` values of another part's entries, for cross-checks: empty when the
    kit lacks that part, None when that part is itself broken (its own problems are
    reported; checking against it would only add noise)."""
    if part not in kit.parts:
        return set()
    data = kit.parts[part]
    if not isinstance(data, list):
        return None
    return {str(i[key]) for i in data if isinstance(i, dict) and i.get(key)}


def _header(part: KitPart) -> str:
    lines = []
    for paragraph in f"{part.filename}: {part.description}".split("\n"):
        lines += textwrap.wrap(paragraph, 84) or [""]
    lines += [
        f"Part of a PetaKota city kit (format version {FORMAT_VERSION}); edit it "
        "freely:",
        "`manage.py onboard_city ... --kit <folder>` validates the whole kit first.",
    ]
    return "".join(f"# {line}\n" for line in lines)


_README = """\
# City kit: {name}

Exported from **{name}** (`{slug}`, Kemendagri code {code}) by
`manage.py export_city_kit {slug} <folder>`. A kit is everything that makes a city
run other than its records (no boundaries, features, reports or people):

| file | what |
|---|---|
| `kit.yaml` | format version and the parts in this kit |
{rows}

Edit the YAML files in any text editor (keep codes that look like numbers in
quotes, e.g. `"36.71.01"`), then onboard a region with it:

```
manage.py onboard_city <slug> --city <city file> --kecamatan <file> \\
    --kelurahan <file> --kit <this folder>
```

The whole kit is validated before anything is written: a bad kit prints every
problem and changes nothing. Routing rules naming areas the region lacks are
listed as warnings. Applying a kit again changes nothing; it creates and updates by
code and never deletes.
"""


def export_city_kit(city: City, folder: Path) -> list[Path]:
    """Write `city`'s kit into `folder` (created if needed); returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = kit_parts()
    written = []
    for part in parts:
        text = _header(part) + yaml.safe_dump(
            part.export(city),
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=88,
        )
        path = folder / part.filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": city.name,
        "exported_from": {"slug": city.slug, "code": city.code},
        "parts": [p.name for p in parts],
    }
    path = folder / KIT_FILE
    path.write_text(
        "# A PetaKota city kit; see README.md.\n"
        + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    written.append(path)
    rows = "\n".join(f"| `{p.filename}` | {p.description} |" for p in parts)
    path = folder / README_FILE
    path.write_text(
        _README.format(name=city.name, slug=city.slug, code=city.code, rows=rows),
        encoding="utf-8",
    )
    written.append(path)
    return written
