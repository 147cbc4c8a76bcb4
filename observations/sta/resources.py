"""Resource paths (`Things(1)/Datastreams`, `Observations(7)/Datastream/Thing`) and
the statements that answer them.

A path becomes a `Target`: the entity type asked for and SQL conditions on its
row alias `{t}` (visibility, the id, the link to the previous segment). Nothing is
looked up segment by segment: the chain is one statement, and only an empty answer
asks whether a parent exists (404) or has no children (an empty list).
"""

# This module writes SQL text from the names in observations/sta/schema.py; every
# value from a request is a bound parameter (%(pN)s), never part of the text.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection

from observations.sta.odata import Options
from observations.sta.schema import EntityType, entity_types
from observations.sta.sql import DEFAULT_TOP, Compiler

# Set in the same round trip as the statement: a multi-statement query runs as one
# implicit transaction, so SET LOCAL holds for it and ends with it.
STATEMENT_TIMEOUT_MS = 15_000
_TIMEOUT = f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}; "

_SEGMENT = re.compile(r"([A-Za-z]+)(?:\((\d{1,18})\))?")


class NotFound(Exception):
    """The path names nothing (or nothing the user may see)."""


class BadPath(ValueError):
    pass


@dataclass
class Target:
    entity: EntityType
    conds: list[str]  # templates on {t}
    single: bool
    id_param: str | None = None  # bound id, when the segment named one
    parent: Target | None = None


@dataclass
class Resolved:
    target: Target
    property: str | None = None
    value: bool = False  # /$value
    ref: bool = False  # /$ref


@dataclass
class Page:
    rows: list[str]
    more: bool
    count: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def resolve(path: str, compiler: Compiler) -> Resolved:
    segments = path.split("/")
    if not segments or not segments[0]:
        raise NotFound
    types = entity_types()
    target: Target | None = None
    result: Resolved | None = None
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if result is not None:
            # Only $value may follow a property, and nothing may follow $ref/$value.
            if segment == "$value" and last and result.property and not result.value:
                result.value = True
                continue
            raise NotFound
        if segment == "$ref":
            if target is None or not last:
                raise NotFound
            result = Resolved(target, ref=True)
            continue
        match = _SEGMENT.fullmatch(segment)
        if not match:
            raise NotFound
        name, ident = match.group(1), match.group(2)
        if target is None:
            entity = types.get(name)
            if entity is None or entity.plural != name:
                raise NotFound
            root = [entity.visibility]
            id_param = None
            if ident is not None:
                id_param = compiler.bind(int(ident))
                root.append(f"{{t}}.id = {id_param}")
            target = Target(entity, root, ident is not None, id_param)
            continue
        if not target.single:
            # Things/Datastreams: a collection has no navigation (use $expand).
            raise NotFound
        nav = target.entity.navs.get(name)
        if nav is None:
            prop = target.entity.prop(name)
            if prop is None or ident is not None or "/" in name:
                raise NotFound
            result = Resolved(target, property=prop.name)
            continue
        if ident is not None and not nav.many:
            raise NotFound
        child_entity = entity_types()[nav.target]
        parent_alias = compiler.alias()
        parent_sql = (
            f"SELECT 1 FROM {compiler.on(target.entity.source, parent_alias)} "
            f"WHERE {' AND '.join(compiler.on(c, parent_alias) for c in target.conds)}"
        )
        if nav.child_fk and target.id_param:
            # The observations' (datastream_id, phenomenon_time) index; the parent's
            # existence and visibility is a one-time (uncorrelated) check.
            conds = [
                f"{{t}}.{nav.child_fk} = {target.id_param}",
                f"EXISTS ({parent_sql})",
            ]
        elif nav.parent_fk and target.id_param:
            fk_sql = (
                f"SELECT {parent_alias}.{nav.parent_fk} FROM "
                f"{compiler.on(target.entity.source, parent_alias)} WHERE "
                + " AND ".join(compiler.on(c, parent_alias) for c in target.conds)
            )
            conds = [f"{{t}}.id = ({fk_sql})"]
        else:
            link = nav.cond.replace("{c}", "{t}").replace("{p}", parent_alias)
            conds = [f"EXISTS ({parent_sql} AND {link})"]
        if not nav.inherits_visibility:
            conds.append(child_entity.visibility)
        id_param = None
        if ident is not None:
            id_param = compiler.bind(int(ident))
            conds.append(f"{{t}}.id = {id_param}")
        target = Target(
            child_entity,
            conds,
            single=not nav.many or ident is not None,
            id_param=id_param,
            parent=target,
        )
    if result is not None:
        return result
    if target is None:
        raise NotFound
    return Resolved(target)


def _where(compiler: Compiler, target: Target, alias: str) -> list[str]:
    return [compiler.on(c, alias) for c in target.conds]


def fetch_one(compiler: Compiler, resolved: Resolved, options: Options) -> str:
    """The JSON text of the single entity `resolved` names; NotFound if none."""
    target = resolved.target
    alias = compiler.alias()
    body = compiler.entity_json(target.entity, alias, options, ref=resolved.ref)
    where = _where(compiler, target, alias)
    sql = (
        f"SELECT ({body})::text FROM {compiler.from_clause(target.entity, alias)} "
        f"WHERE {' AND '.join(where)} LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(_TIMEOUT + sql, compiler.params)
        cursor.nextset()
        row = cursor.fetchone()
    if row is None:
        raise NotFound
    return str(row[0])


def page_sql(
    compiler: Compiler, resolved: Resolved, options: Options, *, ref: bool = False
) -> tuple[str, str | None]:
    """(the page statement, the count statement or None)."""
    target = resolved.target
    entity = target.entity
    alias = compiler.alias()
    where = _where(compiler, target, alias)
    if options.filter is not None:
        where.append(compiler.condition(options.filter, entity, alias))
    body = compiler.entity_json(entity, alias, options, ref=ref)
    root = target.parent is None
    order = compiler.order_by(options.orderby, entity, alias, "$orderby", root=root)
    top = DEFAULT_TOP if options.top is None else options.top
    source = compiler.from_clause(entity, alias)
    condition = " AND ".join(where)
    # Table and column names come from schema.py; every value is a bound parameter.
    sql = (
        f"SELECT ({body})::text FROM {source} WHERE {condition} "
        f"ORDER BY {order} LIMIT {compiler.bind(top + 1)} "
        f"OFFSET {compiler.bind(options.skip)}"
    )
    count_sql = None
    if options.count:
        plain = compiler.on(entity.source, alias)
        count_sql = f"SELECT count(*) FROM {plain} WHERE {condition}"
    return sql, count_sql


def fetch_page(compiler: Compiler, resolved: Resolved, options: Options) -> Page:
    sql, count_sql = page_sql(compiler, resolved, options, ref=resolved.ref)
    top = DEFAULT_TOP if options.top is None else options.top
    with connection.cursor() as cursor:
        # One round trip: the timeout, the page and its count.
        cursor.execute(
            _TIMEOUT + sql + (f"; {count_sql}" if count_sql else ""), compiler.params
        )
        cursor.nextset()
        rows = [str(r[0]) for r in cursor.fetchall()]
        count = None
        if count_sql is not None:
            cursor.nextset()
            count = int(cursor.fetchone()[0])
        if not rows and resolved.target.parent is not None:
            parent = resolved.target.parent
            alias = compiler.alias()
            cursor.execute(
                f"SELECT 1 FROM {compiler.on(parent.entity.source, alias)} "
                f"WHERE {' AND '.join(_where(compiler, parent, alias))}",
                compiler.params,
            )
            if cursor.fetchone() is None:
                raise NotFound
    # $top=0 asks for the count only: no page follows.
    more = top > 0 and len(rows) > top
    return Page(rows[:top], more, count)
