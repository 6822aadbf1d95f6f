"""The overlay table as the rules see it: land-class codes checked once, areas as arrays.

The table comes as columns: a mapping {column name: values} (what the engine hands over), or a
pandas DataFrame (what a script may), read the same way."""

from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from ..errors import InputError
from .classes import ClassTable, is_missing
from .logic import Tri
from .terms import BASELINES, EXEMPTIONS, OVERLAY, SIDES

REQUIRED_COLUMNS = ("patch_id", "area_m2", "before_class", "after_class")


class PatchTable:
    """The overlay table with land-class codes checked once and areas as float arrays."""

    def __init__(self, frame: Mapping, class_table: ClassTable, names=None):
        self.frame = columns_of(frame)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.frame]
        if missing:
            raise InputError(f"叠加分析结果缺少列 {', '.join(missing)}", layer=OVERLAY,
                             field=missing[0])
        self.table = class_table
        self.names = {**BASELINES, **(names or {})}
        self.n = len(self.frame["patch_id"])
        self._numbers: Dict[str, np.ndarray] = {}
        self.ids = self.frame["patch_id"]
        self.area = self.number("area_m2")
        self.codes = {}
        for side in SIDES:
            self.codes[side] = self._check_codes(self.frame[f"{side}_class"])
        self.exemption_keys = [k for k in EXEMPTIONS
                               if f"{k}_pct" in self.frame or f"{k}_m2" in self.frame]
        self.free = self._free_area("free_m2", self.area)
        self._groups: Dict[Tuple[str, str], Tri] = {}

    def _check_codes(self, raw: np.ndarray):
        normalised = np.empty(self.n, dtype=object)
        problems = np.empty(self.n, dtype=object)
        missing = np.zeros(self.n, dtype=bool)
        cache = {}
        for i, value in enumerate(raw):
            if is_missing(value):
                missing[i] = True
                continue
            key = (type(value).__name__, value)
            if key not in cache:
                cache[key] = self.table.check(value)
            normalised[i], problems[i] = cache[key]
        return {"raw": raw, "code": normalised, "problem": problems, "missing": missing}

    def number(self, column: str) -> np.ndarray:
        """The column as floats (NaN where a value is missing or no number), made once."""
        if column not in self._numbers:
            self._numbers[column] = np.array([_float(v) for v in self.frame[column]], dtype=float)
        return self._numbers[column]

    def _free_area(self, column: str, fallback: np.ndarray) -> np.ndarray:
        if column in self.frame:
            return self.number(column)
        if self.exemption_keys:
            raise InputError("有豁免图层时叠加分析结果必须给出该列", layer=OVERLAY, field=column)
        return fallback

    def name(self, key: str) -> str:
        """The display name of a baseline (a job's own, else the known one, else its key)."""
        return self.names.get(key, key)

    def has_baseline(self, key: str) -> bool:
        return f"{key}_m2" in self.frame

    def has_exemption(self, key: str) -> bool:
        return key in self.exemption_keys

    def baseline_m2(self, key: str) -> np.ndarray:
        return self.number(f"{key}_m2")

    def baseline_pct(self, key: str) -> np.ndarray:
        if f"{key}_pct" in self.frame:
            return self.number(f"{key}_pct")
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100.0 * self.baseline_m2(key) / self.area

    def baseline_free_m2(self, key: str) -> np.ndarray:
        return self._free_area(f"{key}_free_m2", self.baseline_m2(key))

    def exemption_pct(self, key: str) -> np.ndarray:
        if f"{key}_pct" in self.frame:
            return self.number(f"{key}_pct")
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100.0 * self.number(f"{key}_m2") / self.area

    def text(self, column: str) -> np.ndarray:
        if column not in self.frame:
            return np.full(self.n, None, dtype=object)
        return self.frame[column]

    def in_groups(self, side: str, groups: Sequence[str]) -> Tri:
        key = (side, ",".join(sorted(groups)))
        if key not in self._groups:
            codes = self.codes[side]["code"]
            known = np.array([c is not None for c in codes], dtype=bool)
            member = {c: bool(self.table.groups(c) & set(groups))
                      for c in set(codes[known].tolist())}
            hit = np.array([member.get(c, False) for c in codes], dtype=bool)
            self._groups[key] = Tri(known & hit, known & ~hit)
        return self._groups[key]

    def unchanged(self, i: int) -> bool:
        """Both codes known and the same code."""
        before, after = self.codes["before"]["code"][i], self.codes["after"]["code"][i]
        return before is not None and before == after

    def describe(self, side: str, i: int) -> str:
        codes = self.codes[side]
        if codes["missing"][i]:
            return "未提供"
        if codes["code"][i] is None:
            return f"“{codes['raw'][i]}”（无法识别）"
        return self.table.describe(codes["code"][i])


def columns_of(table) -> Dict[str, np.ndarray]:
    """{column name: object array} of a mapping of columns or a pandas DataFrame."""
    if hasattr(table, "columns") and hasattr(table, "index"):  # a DataFrame
        return {str(c): table[c].to_numpy(dtype=object) for c in table.columns}
    out = {}
    for name, values in table.items():
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        out[name] = array
    return out


def _float(value) -> float:
    if value is None or isinstance(value, bool):
        return float("nan") if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
