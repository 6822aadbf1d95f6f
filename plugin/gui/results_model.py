"""The flagged patches of a result as a table model: read off the UI thread, sorted and filtered
in Python (a county's 30,000 rows sort in milliseconds; a proxy model calling ``data()`` for
every comparison takes seconds), tinted by verdict."""

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QColor

from ..compat import tr
from ..core.ledger.columns import BY_KEY
from ..core.result_fields import carried_field
from ..core.rules.terms import BELOW, CHECK, ILLEGAL, LEGAL

#: The verdicts that put a patch on the list (the ledger's rows).
FLAGGED = (ILLEGAL, CHECK)
#: The rectification progress (整改进展) analysts fill in the ledger; it reaches the result
#: when the ledger is imported back.
STATUS_FIELD = BY_KEY["status"].field
NO_STATUS = ""  # the filter value of patches whose progress nobody has filled in yet
ANY = None  # the "all" entry of a filter
#: Row tints by verdict: light versions of the result style's fills, dark text stays legible.
TINTS = {ILLEGAL: QColor(250, 215, 212), CHECK: QColor(255, 230, 190)}
#: The result style's own colours, shown as the verdict's swatch.
SWATCHES = {ILLEGAL: QColor(165, 0, 38), CHECK: QColor(255, 140, 0), LEGAL: QColor(26, 152, 80),
            BELOW: QColor(150, 150, 150)}
READ_FIELDS = ("patch_id", "township", "village", "verdict", "violation_type", "severity",
               "flag_area_mu", "area_mu", "measure", "reason", STATUS_FIELD)


@dataclass
class PatchRow:
    fid: int
    patch_id: str
    township: str
    village: str
    verdict: str
    violation_type: str
    severity: Optional[int]
    flag_area_mu: float
    area_mu: float
    measure: str
    reason: str
    status: str = NO_STATUS
    #: The job's own zones the patch lies in, by display name, and as the table shows them
    #: (each with the values carried from it).
    zone_names: Tuple[str, ...] = ()
    zones: str = ""


@dataclass
class ResultRows:
    """The flagged rows of a result (most severe first), the count of every verdict and the
    display names of the zones the job added itself."""

    rows: List[PatchRow]
    verdicts: dict
    zones: List[str] = field(default_factory=list)


def read_result_rows(result_path) -> ResultRows:
    """The flagged patches of a result GeoPackage's ``patches`` layer, read through GDAL's
    Arrow stream (no QGIS object: safe in a worker thread; 30,000 patches in a tenth of a
    second)."""
    from ..core.io.gpkg_reader import (field_names, layer_names, open_geopackage, read_features,
                                       read_table)
    from ..core.ledger.zones import result_zones

    ds = open_geopackage(result_path)
    names = set(field_names(ds.GetLayerByName("patches")))
    run_info = dict(read_table(ds, "run_info", ("key", "value"))) \
        if "run_info" in layer_names(ds) else {}
    zones = result_zones(run_info, names)
    zone_fields = [f for z in zones
                   for f in (f"{z.key}_m2", *(carried_field(z.key, c) for c in z.carry))]
    present = [n for n in READ_FIELDS if n in names] + zone_fields
    fids, _wkb, columns, _crs = read_features(ds, "patches", present)
    ds = None
    rows, verdicts = [], {}
    for k, fid in enumerate(fids):
        values = {n: columns[n][k] for n in present}
        verdict = _text(values.get("verdict"))
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if verdict not in FLAGGED:
            continue
        severity = values.get("severity")
        rows.append(PatchRow(
            fid=int(fid), patch_id=_text(values.get("patch_id")),
            township=_text(values.get("township")), village=_text(values.get("village")),
            verdict=verdict, violation_type=_text(values.get("violation_type")),
            severity=None if severity is None else int(severity),
            flag_area_mu=values.get("flag_area_mu") or 0.0,
            area_mu=values.get("area_mu") or 0.0,
            measure=_text(values.get("measure")), reason=_text(values.get("reason")),
            status=_text(values.get(STATUS_FIELD)).strip(),
            **_zones_of(values, zones)))
    # Most severe first, then by place, as the analyst works down the list.
    rows.sort(key=lambda r: (-(r.severity or 0), r.township, r.village, r.patch_id))
    return ResultRows(rows, verdicts, [z.name for z in zones])


def _zones_of(values, zones):
    """The zones a patch lies in: their names, and the table's text (自然保护地 核心保护区、…)."""
    inside = [z for z in zones if (values.get(f"{z.key}_m2") or 0.0) > 0]
    texts = []
    for zone in inside:
        carried = [_text(values.get(carried_field(zone.key, c))) for c in zone.carry]
        texts.append(" ".join([zone.name] + [c for c in carried if c]))
    return {"zone_names": tuple(z.name for z in inside), "zones": "、".join(texts)}


def _text(value):
    return "" if value is None else str(value)


class FlaggedPatchesModel(QAbstractTableModel):
    """One row per flagged patch that passes the filter, in the chosen order.

    ``FID_ROLE`` gives a row's feature id in the result layer.
    """

    FID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.all_rows: List[PatchRow] = []
        self.rows: List[PatchRow] = []
        self.criteria = {}
        self.order = None  # (column key, descending) of the last sort asked for
        self.columns = [
            ("patch_id", tr("Patch number")),
            ("verdict", tr("Verdict")),
            ("severity", tr("Severity")),
            ("flag_area_mu", tr("Flagged area (mu)")),
            ("status", tr("Progress")),
            ("violation_type", tr("Violation type")),
            ("township", tr("Township")),
            ("village", tr("Village")),
            ("area_mu", tr("Patch area (mu)")),
            ("zones", tr("Zones")),
        ]

    def column_of(self, key):
        return [k for k, _ in self.columns].index(key)

    def set_rows(self, rows):
        """All flagged rows, in reading order (most severe first); the filter stays."""
        self.all_rows = list(rows)
        self.order = None
        self._refill()

    def set_criteria(self, **criteria):
        """Keep rows whose attributes equal the given values (ANY: no condition);
        ``min_severity`` keeps rows at least that severe, ``zone`` rows inside that zone."""
        self.criteria = {k: v for k, v in criteria.items() if v is not ANY}
        self._refill()

    def _keeps(self, row):
        for key, value in self.criteria.items():
            if key == "min_severity":
                if (row.severity or 0) < value:
                    return False
            elif key == "zone":
                if value not in row.zone_names:
                    return False
            elif getattr(row, key) != value:
                return False
        return True

    def _refill(self):
        self.beginResetModel()
        self.rows = [r for r in self.all_rows if self._keeps(r)]
        if self.order is not None:
            self._sort_rows(*self.order)
        self.endResetModel()

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.layoutAboutToBeChanged.emit()
        self.order = (self.columns[column][0], order == Qt.SortOrder.DescendingOrder)
        self._sort_rows(*self.order)
        self.layoutChanged.emit()

    def _sort_rows(self, key, descending):
        # Empty values (no severity, no progress) go last either way.
        filled = [r for r in self.rows if getattr(r, key) not in (None, "")]
        empty = [r for r in self.rows if getattr(r, key) in (None, "")]
        filled.sort(key=lambda r: getattr(r, key), reverse=descending)
        self.rows = filled + empty

    def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        value = getattr(row, key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key.endswith("_mu"):
                return f"{value:.2f}"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            return TINTS.get(row.verdict)
        if role == Qt.ItemDataRole.DecorationRole and key == "verdict":
            return SWATCHES.get(row.verdict)
        if role == self.FID_ROLE:
            return row.fid
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("Reason: {0}\nMeasure: {1}").format(row.reason, row.measure)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("severity", "flag_area_mu",
                                                                 "area_mu"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
