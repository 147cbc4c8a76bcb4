"""The OData subset SensorThings API 1.1 uses, parsed into a small tree.

`parse_filter` is a tokenizer plus a recursive-descent parser with OData's operator
precedence (or < and < eq/ne < gt/ge/lt/le < add/sub < mul/div/mod < not/negation <
primary). `parse_expand`, `parse_orderby` and `parse_select` read the other query
options; `$expand` items carry their own nested options (`Datastreams($filter=...;
$top=3;$expand=Observations($top=1))`). Nothing here touches the database:
observations/sta/sql.py compiles the tree to SQL with bound parameters.

Every problem raises `ODataError` with a message a client can act on (a 400).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from gis_platform.edges import has_control_chars

MAX_QUERY_CHARS = 8000
MAX_DEPTH = 40
MAX_EXPAND_DEPTH = 4
INT64_MAX = 2**63 - 1


class ODataError(ValueError):
    """A query option the server cannot read; `option` names it ($filter, ...)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
        self.message = message


# --- The tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """A constant: kind is string, int, float, bool, null, datetime or geography."""

    kind: str
    value: object


@dataclass(frozen=True)
class Path:
    """A property path such as ("result",), ("Datastream", "id") or
    ("properties", "owner")."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "not" or "-"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # eq ne gt ge lt le and or add sub mul div mod
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Path | Unary | Binary | Call


@dataclass(frozen=True)
class OrderItem:
    expr: Node
    descending: bool


@dataclass
class Options:
    """The query options of one level: the request's own or an $expand item's."""

    filter: Node | None = None
    orderby: list[OrderItem] = field(default_factory=list)
    select: list[str] | None = None
    expand: list[ExpandItem] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False


@dataclass
class ExpandItem:
    path: tuple[str, ...]
    options: Options
    # The options as written (for the expanded collection's @iot.nextLink).
    raw: dict[str, str] = field(default_factory=dict)


# --- Tokens --------------------------------------------------------------------

_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![T0-9])")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_@$][A-Za-z0-9_.@$]*")
_SPACE = re.compile(r"\s+")

# Functions, their arity (min, max).
FUNCTIONS: dict[str, tuple[int, int]] = {
    "substringof": (2, 2),
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "length": (1, 1),
    "indexof": (2, 2),
    "substring": (2, 3),
    "tolower": (1, 1),
    "toupper": (1, 1),
    "trim": (1, 1),
    "concat": (2, 2),
    "year": (1, 1),
    "month": (1, 1),
    "day": (1, 1),
    "hour": (1, 1),
    "minute": (1, 1),
    "second": (1, 1),
    "date": (1, 1),
    "now": (0, 0),
    "round": (1, 1),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "geo.distance": (2, 2),
    "geo.intersects": (2, 2),
    "geo.length": (1, 1),
    "st_equals": (2, 2),
    "st_disjoint": (2, 2),
    "st_touches": (2, 2),
    "st_within": (2, 2),
    "st_overlaps": (2, 2),
    "st_crosses": (2, 2),
    "st_intersects": (2, 2),
    "st_contains": (2, 2),
}

_WORD_OPS = {"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not"}
_ARITH = {"add", "sub", "mul", "div", "mod"}


@dataclass(frozen=True)
class Token:
    kind: str  # op, name, string, number, datetime, geography, punct, end
    value: str
    pos: int


def _tokens(text: str, option: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        c = text[i]
        if c in "(),/":
            out.append(Token("punct", c, i))
            i += 1
            continue
        if c == "'":
            value, i = _quoted(text, i, option)
            out.append(Token("string", value, i))
            continue
        if text.startswith(("geography'", "geometry'"), i):
            start = text.index("'", i)
            value, i = _quoted(text, start, option)
            out.append(Token("geography", value, i))
            continue
        m = _DATETIME.match(text, i) or _DATE_ONLY.match(text, i)
        if m:
            out.append(Token("datetime", m.group(), i))
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m:
            out.append(Token("number", m.group(), i))
            i = m.end()
            continue
        if c == "-":
            out.append(Token("punct", "-", i))
            i += 1
            continue
        m = _NAME.match(text, i)
        if m:
            word = m.group()
            kind = "op" if word in _WORD_OPS or word in _ARITH else "name"
            out.append(Token(kind, word, i))
            i = m.end()
            continue
        raise ODataError(option, f"unexpected character {c!r} at position {i + 1}.")
    out.append(Token("end", "", n))
    return out


def _quoted(text: str, start: int, option: str) -> tuple[str, int]:
    """A '...' literal starting at `start` ('' is a quote); returns (value, end)."""
    i = start + 1
    parts: list[str] = []
    while True:
        j = text.find("'", i)
        if j < 0:
            raise ODataError(option, f"unterminated string at position {start + 1}.")
        parts.append(text[i:j])
        if text.startswith("''", j):
            parts.append("'")
            i = j + 2
            continue
        return "".join(parts), j + 1


# --- Parser --------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, option: str) -> None:
        self.option = option
        self.tokens = _tokens(text, option)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token.value != value or token.kind not in ("punct", "op"):
            found = token.value or "the end"
            raise self.error(f"expected {value!r} but found {found!r}", token)

    def error(self, message: str, token: Token | None = None) -> ODataError:
        token = token or self.peek()
        return ODataError(self.option, f"{message} at position {token.pos + 1}.")

    def is_op(self, *values: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.value in values

    def finish(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"unexpected {token.value!r}", token)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression nested too deeply")

    # precedence climbing, lowest first
    def expression(self) -> Node:
        self.nest()
        try:
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.is_op("or"):
            self.take()
            node = Binary("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.equality()
        while self.is_op("and"):
            self.take()
            node = Binary("and", node, self.equality())
        return node

    def equality(self) -> Node:
        node = self.relational()
        while self.is_op("eq", "ne"):
            op = self.take().value
            node = Binary(op, node, self.relational())
        return node

    def relational(self) -> Node:
        node = self.additive()
        while self.is_op("gt", "ge", "lt", "le"):
            op = self.take().value
            node = Binary(op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.is_op("add", "sub"):
            op = self.take().value
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.is_op("mul", "div", "mod"):
            op = self.take().value
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.value == "not":
            self.take()
            self.nest()
            try:
                return Unary("not", self.unary())
            finally:
                self.depth -= 1
        if token.kind == "punct" and token.value == "-":
            self.take()
            nxt = self.peek()
            if nxt.kind == "number":
                self.take()
                return _number(self, "-" + nxt.value, nxt)
            self.nest()
            try:
                return Unary("-", self.unary())
            finally:
                self.depth -= 1
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "punct" and token.value == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.kind == "string":
            return Literal("string", token.value)
        if token.kind == "number":
            return _number(self, token.value, token)
        if token.kind == "datetime":
            return Literal("datetime", _datetime(self, token))
        if token.kind == "geography":
            return Literal("geography", token.value)
        if token.kind == "name":
            word = token.value
            if word in ("true", "false"):
                return Literal("bool", word == "true")
            if word == "null":
                return Literal("null", None)
            nxt = self.peek()
            if nxt.kind == "punct" and nxt.value == "(":
                return self.call(word, token)
            return self.path(word)
        found = token.value or "the end"
        raise self.error(f"expected a value but found {found!r}", token)

    def call(self, name: str, token: Token) -> Node:
        key = name.lower()
        if key not in FUNCTIONS:
            raise self.error(f"unknown function {name!r}", token)
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "punct" and self.peek().value == ")"):
            args.append(self.expression())
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                args.append(self.expression())
        self.expect(")")
        low, high = FUNCTIONS[key]
        if not low <= len(args) <= high:
            raise self.error(f"{name} takes {low}-{high} arguments", token)
        return Call(key, tuple(args))

    def path(self, first: str) -> Node:
        parts = [first]
        while self.peek().kind == "punct" and self.peek().value == "/":
            self.take()
            token = self.take()
            if token.kind not in ("name", "op"):
                raise self.error("expected a property name after '/'", token)
            parts.append(token.value)
        return Path(tuple(parts))


def _number(parser: _Parser, text: str, token: Token) -> Literal:
    if re.fullmatch(r"-?[0-9]+", text):
        value = int(text)
        if abs(value) > INT64_MAX:
            raise parser.error(f"the number {text[:30]} is too large", token)
        return Literal("int", value)
    number = float(text)
    if not math.isfinite(number):
        raise parser.error(f"the number {text[:30]} is too large", token)
    return Literal("float", number)


def _datetime(parser: _Parser, token: Token) -> datetime:
    text = token.value
    if len(text) == 10:
        text += "T00:00:00Z"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise parser.error(f"{token.value!r} is not a valid date/time", token) from None


def _check_text(text: str, option: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise ODataError(option, f"is longer than {MAX_QUERY_CHARS} characters.")
    if has_control_chars(text):
        raise ODataError(option, "contains control characters.")


def parse_filter(text: str) -> Node:
    _check_text(text, "$filter")
    parser = _Parser(text, "$filter")
    if parser.peek().kind == "end":
        raise ODataError("$filter", "is empty.")
    node = parser.expression()
    parser.finish()
    return node


def parse_orderby(text: str) -> list[OrderItem]:
    _check_text(text, "$orderby")
    items: list[OrderItem] = []
    for part in split_top_level(text, ",", "$orderby"):
        parser = _Parser(part, "$orderby")
        expr = parser.expression()
        descending = False
        token = parser.peek()
        if token.kind == "name" and token.value.lower() in ("asc", "desc"):
            descending = parser.take().value.lower() == "desc"
        parser.finish()
        items.append(OrderItem(expr, descending))
    return items


def parse_select(text: str) -> list[str]:
    _check_text(text, "$select")
    names: list[str] = []
    for raw in text.split(","):
        name = raw.strip()
        if not name or not _NAME.fullmatch(name.replace("/", "_")):
            raise ODataError("$select", f"{raw.strip()[:40]!r} is not a property name.")
        names.append(name)
    return names


def parse_int_option(text: str, option: str, *, maximum: int) -> int:
    value = text.strip()
    if not re.fullmatch(r"[0-9]{1,12}", value):
        raise ODataError(option, "must be a whole number written with digits 0-9.")
    number = int(value)
    if number > maximum:
        raise ODataError(option, f"must be at most {maximum}.")
    return number


def parse_bool_option(text: str, option: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ODataError(option, "must be true or false.")
    return value == "true"


def split_top_level(text: str, sep: str, option: str) -> list[str]:
    """Split on `sep` outside parentheses and quoted strings; refuse unbalanced
    parentheses and empty parts."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "'":
            _, i = _quoted(text, i, option)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise ODataError(option, f"unbalanced ')' at position {i + 1}.")
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if depth:
        raise ODataError(option, "unbalanced parentheses.")
    parts.append(text[start:])
    if any(not p.strip() for p in parts):
        raise ODataError(option, "has an empty item.")
    return [p.strip() for p in parts]


def parse_expand(text: str, *, depth: int = 0) -> list[ExpandItem]:
    _check_text(text, "$expand")
    if depth >= MAX_EXPAND_DEPTH:
        raise ODataError("$expand", f"nests deeper than {MAX_EXPAND_DEPTH} levels.")
    items: list[ExpandItem] = []
    for part in split_top_level(text, ",", "$expand"):
        name, _, rest = part.partition("(")
        path = tuple(p.strip() for p in name.strip().split("/"))
        if not all(_NAME.fullmatch(p) for p in path):
            raise ODataError(
                "$expand", f"{name.strip()[:40]!r} is not a navigation path."
            )
        options = Options()
        pairs: dict[str, str] = {}
        if rest:
            if not rest.rstrip().endswith(")"):
                raise ODataError("$expand", f"unbalanced parentheses in {part[:40]!r}.")
            inner = rest.rstrip()[:-1]
            for opt in split_top_level(inner, ";", "$expand"):
                key, eq, value = opt.partition("=")
                if not eq:
                    raise ODataError("$expand", f"{opt[:40]!r} is not $option=value.")
                if not key.strip().startswith("$"):
                    raise ODataError(
                        "$expand", f"{key.strip()[:30]!r} is not an option."
                    )
                pairs[key.strip()] = value
            options = parse_options(pairs, depth=depth + 1)
        # Datastreams/Observations expands Datastreams with Observations inside.
        item = ExpandItem((path[-1],), options, pairs)
        for step in reversed(path[:-1]):
            item = ExpandItem((step,), Options(expand=[item]))
        _merge(items, item)
    return items


def _merge(items: list[ExpandItem], item: ExpandItem) -> None:
    """`Datastreams($top=2),Datastreams/Sensor` is one Datastreams expansion with
    Sensor inside."""
    for existing in items:
        if existing.path == item.path:
            for inner in item.options.expand:
                _merge(existing.options.expand, inner)
            return
    items.append(item)


KNOWN_OPTIONS = {
    "$filter",
    "$orderby",
    "$select",
    "$expand",
    "$top",
    "$skip",
    "$count",
    "$resultFormat",
}


def parse_options(
    params: dict[str, str], *, depth: int = 0, max_top: int = 1000
) -> Options:
    """Every query option of one level; unknown $options are refused."""
    for key in params:
        if key.startswith("$") and key not in KNOWN_OPTIONS:
            raise ODataError(key[:30], "is not a query option this service knows.")
    options = Options()
    if "$filter" in params:
        options.filter = parse_filter(params["$filter"])
    if "$orderby" in params:
        options.orderby = parse_orderby(params["$orderby"])
    if "$select" in params:
        options.select = parse_select(params["$select"])
    if "$expand" in params:
        options.expand = parse_expand(params["$expand"], depth=depth)
    if "$top" in params:
        options.top = parse_int_option(params["$top"], "$top", maximum=max_top)
    if "$skip" in params:
        options.skip = parse_int_option(params["$skip"], "$skip", maximum=10**9)
    if "$count" in params:
        options.count = parse_bool_option(params["$count"], "$count")
    if params.get("$resultFormat", "").strip() not in ("", "default"):
        raise ODataError("$resultFormat", "only the default format is served.")
    return options
