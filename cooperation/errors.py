"""Domain errors: what the registry's services and selectors raise when a request cannot be met."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a query: the parameter it concerns, a machine-readable code and a sentence."""

    field: str
    code: str
    detail: str


class InvalidQuery(Exception):
    """A selector's query names something that cannot be answered (e.g. a scope that does not exist)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(problems[0].detail if len(problems) == 1 else _("Invalid parameters; see errors."))
