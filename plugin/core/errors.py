"""Errors the user can act on, and the notes the engine reports while it works."""

from dataclasses import dataclass
from typing import Optional


class InputError(Exception):
    """Bad input: names the layer, and where known the feature and field, so a user can fix it.

    The GUI and Processing show ``str(error)``; the CLI prints it and exits 2.
    """

    def __init__(self, message: str, layer: Optional[str] = None,
                 feature: Optional[object] = None, field: Optional[str] = None):
        self.message = message
        self.layer = layer
        self.feature = feature
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.layer:
            where.append(f"图层 {self.layer}")
        if self.feature is not None:
            where.append(f"要素 {self.feature}")
        if self.field:
            where.append(f"字段 {self.field}")
        return f"[{', '.join(where)}] {self.message}" if where else self.message


class Cancelled(Exception):
    """The caller asked the engine to stop; nothing was written."""


@dataclass
class Note:
    """One thing the engine did to the input that the user must hear about.

    ``kind``: ``drop`` (a feature left out), ``repair`` (a feature changed to be usable),
    ``warning`` (a result the user must look at, e.g. an empty baseline) or ``info``.
    """

    layer: str
    feature: object
    message: str
    kind: str = "info"

    def __str__(self) -> str:
        return f"{self.layer} [{self.feature}]: {self.message}"
