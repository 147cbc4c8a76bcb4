"""CSV cells no spreadsheet runs as a formula (OWASP "CSV injection").

A spreadsheet treats a cell starting with = + - @ (or a tab or carriage return, which
some strip first) as a formula: `=HYPERLINK(...)`, `=cmd|...`. Such cells get a
leading apostrophe, except plain numbers in numeric columns (a negative amount stays a
number)."""

from __future__ import annotations

from psycopg import sql

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_SQL = "^[=+@\t\r-]"
_NUMBER_SQL = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def neutralise_formula(value: str) -> str:
    """The cell (or column name) as text no spreadsheet runs."""
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_cell_sql(expression: sql.Composable, *, numeric: bool) -> sql.Composed:
    """SQL for the text value of `expression`, neutralised like neutralise_formula;
    with `numeric`, a value that is a plain number is kept as it is."""
    unsafe = sql.SQL("v ~ {}").format(sql.Literal(_FORMULA_SQL))
    if numeric:
        unsafe = sql.SQL("{} AND v !~ {}").format(unsafe, sql.Literal(_NUMBER_SQL))
    return sql.SQL(
        "(SELECT CASE WHEN {unsafe} THEN {quote} || v ELSE v END "
        "FROM (SELECT ({e})::text AS v) s)"
    ).format(unsafe=unsafe, quote=sql.Literal("'"), e=expression)
