"""The part of a case the lifecycle machine moves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediation.lifecycle.table import INITIAL


class CaseModel:
    """What :func:`~.machine.fire` moves: the four lifecycle columns of a case.

    Built from a stored row (:meth:`of_row`), or fresh (state ``registered``)
    to check a path, as the persisted replay does for each shape of history.
    """

    __slots__ = ("state", "destination", "transfers", "extended")

    def __init__(self, state: str = INITIAL, destination: str | None = None, transfers: int = 0,
                 extended: bool = False) -> None:
        self.state, self.destination, self.transfers, self.extended = state, destination, transfers, extended

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> CaseModel:
        return cls(row["state"], row["destination"], row["transfers"], bool(row["extended"]))

    def columns(self) -> dict:
        """The columns of a ``cases`` row this model stands for."""
        return {"state": self.state, "destination": self.destination,
                "transfers": self.transfers, "extended": self.extended}
