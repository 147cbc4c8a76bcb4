"""A small declarative workflow: states, the transitions between them with the roles
that may take each one, and hooks run when an object enters a state.

Reports use it (reports/workflow.py); permits and other records with a lifecycle
declare their own `Workflow` the same way. It knows no app: roles are plain strings
(tenancy's `Role` values) and the object is anything with a status attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Hook = Callable[[Any, datetime], None]


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    # Roles that may take this transition; an empty set means only services may
    # (for example a merge or an assignment, which have their own checks).
    roles: frozenset[str] = frozenset()


class TransitionRefused(ValueError):
    """`target` cannot follow `source` in this workflow (for anyone)."""


class TransitionForbidden(PermissionError):
    """The transition exists, but none of the given roles may take it."""


@dataclass
class Workflow:
    name: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    # States in which the record is still being worked (an SLA clock runs).
    open_states: tuple[str, ...] = ()
    status_field: str = "status"
    _on_enter: dict[str, list[Hook]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        known = set(self.states)
        for t in self.transitions:
            if t.source not in known or t.target not in known:
                raise ValueError(f"{self.name}: {t.source} → {t.target} unknown state")
        if not set(self.open_states) <= known:
            raise ValueError(f"{self.name}: unknown open state")

    def targets(
        self, source: str, roles: Iterable[str] | None = None
    ) -> tuple[str, ...]:
        """States `source` may move to: all of them, or those `roles` may take."""
        wanted = None if roles is None else frozenset(roles)
        seen: list[str] = []
        for t in self.transitions:
            if t.source != source or t.target in seen:
                continue
            if wanted is None or t.roles & wanted:
                seen.append(t.target)
        return tuple(seen)

    def table(self, roles: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
        """state → states these roles may move it to (every state is a key)."""
        roles = None if roles is None else frozenset(roles)
        return {state: self.targets(state, roles) for state in self.states}

    def check(self, source: str, target: str, roles: Iterable[str]) -> None:
        """Raise TransitionRefused or TransitionForbidden unless `roles` may move a
        record from `source` to `target`."""
        if target not in self.targets(source):
            raise TransitionRefused(f"{source} → {target}")
        if target not in self.targets(source, roles):
            raise TransitionForbidden(f"{source} → {target}")

    def on_enter(self, *states: str) -> Callable[[Hook], Hook]:
        """Register `hook(obj, now)` to run when an object enters any of `states`."""

        def register(hook: Hook) -> Hook:
            for state in states:
                if state not in self.states:
                    raise ValueError(f"{self.name}: unknown state {state}")
                self._on_enter.setdefault(state, []).append(hook)
            return hook

        return register

    def enter(self, obj: Any, target: str, now: datetime) -> str:
        """Set `obj`'s status to `target` and run its hooks; return the old status.
        Saving (and recording the timeline event) is the caller's."""
        old = getattr(obj, self.status_field)
        setattr(obj, self.status_field, target)
        for hook in self._on_enter.get(target, ()):
            hook(obj, now)
        return old
