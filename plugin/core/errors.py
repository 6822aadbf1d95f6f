"""Errors the user can act on, and the notes the engine reports while it works."""

from dataclasses import dataclass
from typing import Optional


class InputError(Exception):
    """Bad input: names the layer, and where known the feature and field, so a user can fix it.

    A settings file (job file, rule file) is named by ``file`` instead of ``layer``: its
    ``feature`` is then an entry (a rule) and its ``field`` a key.
    The GUI and Processing show ``str(error)``; the CLI prints it and exits 2.
    """

    def __init__(self, message: str, layer: Optional[str] = None,
                 feature: Optional[object] = None, field: Optional[str] = None,
                 file: Optional[str] = None):
        self.message = message
        self.layer = layer
        self.feature = feature
        self.field = field
        self.file = file
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.layer:
            where.append(f"图层 {self.layer}")
        if self.feature is not None:
            where.append(f"{'条目' if self.file else '要素'} {self.feature}")
        if self.field:
            where.append(f"{'键' if self.file else '字段'} {self.field}")
        return f"[{', '.join(where)}] {self.message}" if where else self.message


def yaml_problem(error) -> str:
    """Where a YAML file stops parsing, in Chinese (the parser's own text is English)."""
    mark = getattr(error, "problem_mark", None)
    if mark is None:
        return "不是有效的 YAML 文件"
    return (f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近不是有效的 YAML"
            "（请检查括号、引号、冒号后的空格和缩进）")


def save_traceback(path: str) -> str:
    """Write the traceback being handled to ``path`` (the technical details of an unexpected
    error, for a report); returns the path, or why there is none, for the user's message."""
    import traceback

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(traceback.format_exc())
    except OSError:
        return "(无法写入日志)"
    return path


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
