"""The flagged patches of a result: counts and areas, filters, and a table that zooms the map."""

from dataclasses import dataclass
from typing import List, Optional

from qgis.core import NULL, QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..compat import NO_GEOMETRY, tr
from ..core.ledger.columns import BY_KEY, STATUS_VALUES

ILLEGAL, TO_VERIFY, LAWFUL, BELOW_MIN = "违法", "需核实", "合法", "低于上图面积"
#: The verdicts that put a patch on the list (the ledger's rows).
FLAGGED = (ILLEGAL, TO_VERIFY)
#: The rectification progress (整改进展) analysts fill in the ledger; it reaches the result
#: when the ledger is imported back.
STATUS_FIELD = BY_KEY["status"].field
NO_STATUS = ""  # the filter value of patches whose progress nobody has filled in yet
ANY = None  # the "all" entry of a filter combo


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


def _text(value):
    return "" if value is None or value == NULL else str(value)


def _number(value):
    try:
        return float(value) if value is not None and value != NULL else 0.0
    except (TypeError, ValueError):
        return 0.0


def read_rows(layer: QgsVectorLayer):
    """(flagged rows, {verdict: count} of every patch) of a result ``patches`` layer."""
    wanted = ["patch_id", "township", "village", "verdict", "violation_type", "severity",
              "flag_area_mu", "area_mu", "measure", "reason", STATUS_FIELD]
    names = layer.fields().names()
    present = [n for n in wanted if n in names]
    request = QgsFeatureRequest().setFlags(NO_GEOMETRY) \
        .setSubsetOfAttributes(present, layer.fields())
    rows, verdicts = [], {}
    for feature in layer.getFeatures(request):
        values = {n: feature[n] for n in present}
        verdict = _text(values.get("verdict"))
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if verdict not in FLAGGED:
            continue
        severity = values.get("severity")
        rows.append(PatchRow(
            fid=feature.id(), patch_id=_text(values.get("patch_id")),
            township=_text(values.get("township")), village=_text(values.get("village")),
            verdict=verdict, violation_type=_text(values.get("violation_type")),
            severity=int(severity) if severity not in (None, NULL) else None,
            flag_area_mu=_number(values.get("flag_area_mu")),
            area_mu=_number(values.get("area_mu")),
            measure=_text(values.get("measure")), reason=_text(values.get("reason")),
            status=_text(values.get(STATUS_FIELD)).strip()))
    # Most severe first, then by place, as the analyst works down the list.
    rows.sort(key=lambda r: (-(r.severity or 0), r.township, r.village, r.patch_id))
    return rows, verdicts


class FlaggedPatchesModel(QAbstractTableModel):
    """One row per flagged patch. UserRole gives sortable values, UserRole + 1 the fid."""

    FID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: List[PatchRow] = []
        self.columns = [
            ("patch_id", tr("Patch number")),
            ("township", tr("Township")),
            ("village", tr("Village")),
            ("verdict", tr("Verdict")),
            ("violation_type", tr("Violation type")),
            ("severity", tr("Severity")),
            ("flag_area_mu", tr("Flagged area (mu)")),
            ("status", tr("Progress")),
        ]

    def column_of(self, key):
        return [k for k, _ in self.columns].index(key)

    def set_rows(self, rows):
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

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
            if key == "flag_area_mu":
                return f"{value:.2f}"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.UserRole:
            return -1 if value is None else value
        if role == self.FID_ROLE:
            return row.fid
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("Reason: {0}\nMeasure: {1}").format(row.reason, row.measure)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("severity", "flag_area_mu"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PatchFilter(QSortFilterProxyModel):
    """Keeps the rows matching township, violation type, minimum severity, verdict and
    rectification progress."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.township = ANY
        self.violation_type = ANY
        self.min_severity = ANY
        self.verdict = ANY
        self.status = ANY
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_criteria(self, township=ANY, violation_type=ANY, min_severity=ANY, verdict=ANY,
                     status=ANY):
        self.township, self.violation_type = township, violation_type
        self.min_severity, self.verdict, self.status = min_severity, verdict, status
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row, source_parent):  # noqa: N802 (Qt API)
        row = self.sourceModel().rows[source_row]
        return ((self.township is ANY or row.township == self.township)
                and (self.violation_type is ANY or row.violation_type == self.violation_type)
                and (self.min_severity is ANY or (row.severity or 0) >= self.min_severity)
                and (self.verdict is ANY or row.verdict == self.verdict)
                and (self.status is ANY or row.status == self.status))

    def visible_rows(self):
        model = self.sourceModel()
        return [model.rows[self.mapToSource(self.index(i, 0)).row()]
                for i in range(self.rowCount())]


class ResultsPanel(QWidget):
    """Summary, filters and the table of flagged patches of one result layer.

    ``patch_activated(fid)`` is emitted when the analyst clicks a patch.
    """

    patch_activated = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer = None
        self.verdict_counts = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.overall_label = QLabel(self)
        self.overall_label.setObjectName("overallLabel")
        self.overall_label.setWordWrap(True)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.overall_label)
        layout.addWidget(self.summary_label)

        filters = QGridLayout()
        self.township_combo = self._combo("townshipFilter")
        self.type_combo = self._combo("typeFilter")
        self.severity_combo = self._combo("severityFilter")
        self.verdict_combo = self._combo("verdictFilter")
        self.status_combo = self._combo("statusFilter")
        filters.addWidget(QLabel(tr("Township"), self), 0, 0)
        filters.addWidget(self.township_combo, 0, 1)
        filters.addWidget(QLabel(tr("Verdict"), self), 0, 2)
        filters.addWidget(self.verdict_combo, 0, 3)
        filters.addWidget(QLabel(tr("Type"), self), 1, 0)
        filters.addWidget(self.type_combo, 1, 1, 1, 3)
        filters.addWidget(QLabel(tr("Severity"), self), 2, 0)
        filters.addWidget(self.severity_combo, 2, 1)
        filters.addWidget(QLabel(tr("Progress"), self), 2, 2)
        filters.addWidget(self.status_combo, 2, 3)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        layout.addLayout(filters)

        self.model = FlaggedPatchesModel(self)
        self.proxy = PatchFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("flaggedTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        layout.addWidget(self.table, 1)
        self._fill_filters()
        self._update_summary()

    def _combo(self, name):
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.currentIndexChanged.connect(self._apply_filter)
        return combo

    def set_layer(self, layer):
        """Show the flagged patches of a result layer (None clears the panel)."""
        self.layer = layer
        rows, self.verdict_counts = read_rows(layer) if layer is not None else ([], {})
        self.model.set_rows(rows)
        # Stable sort: most severe first, and within a severity by township, village, id.
        self.table.sortByColumn(self.model.column_of("severity"), Qt.SortOrder.DescendingOrder)
        self._fill_filters()
        self._apply_filter()
        self.table.resizeColumnsToContents()

    def _fill_filters(self):
        rows = self.model.rows
        townships = sorted({r.township for r in rows if r.township})
        types = sorted({r.violation_type for r in rows if r.violation_type})
        self._fill(self.township_combo, [(t, t) for t in townships])
        self._fill(self.type_combo, [(t, t) for t in types])
        self._fill(self.severity_combo, [
            (tr("{0} (most severe)").format(5) if s == 5 else tr("{0} or more").format(s), s)
            for s in (5, 4, 3, 2)])
        self._fill(self.verdict_combo, [(v, v) for v in FLAGGED])
        statuses = [v for v in STATUS_VALUES if any(r.status == v for r in rows)]
        statuses += sorted({r.status for r in rows} - set(STATUS_VALUES) - {NO_STATUS})
        self._fill(self.status_combo, [(tr("(not filled in)"), NO_STATUS)]
                   + [(v, v) for v in statuses])

    def _fill(self, combo, items):
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("All"), ANY)
        for text, data in items:
            combo.addItem(text, data)
        combo.blockSignals(False)

    def set_filter(self, township=ANY, violation_type=ANY, min_severity=ANY, verdict=ANY,
                   status=ANY):
        """Choose filter values as the analyst would in the combos."""
        for combo, value in ((self.township_combo, township), (self.type_combo, violation_type),
                             (self.severity_combo, min_severity),
                             (self.verdict_combo, verdict), (self.status_combo, status)):
            index = combo.findData(value)
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self._apply_filter()

    def _apply_filter(self, *_):
        self.proxy.set_criteria(
            township=self.township_combo.currentData(),
            violation_type=self.type_combo.currentData(),
            min_severity=self.severity_combo.currentData(),
            verdict=self.verdict_combo.currentData(),
            status=self.status_combo.currentData())
        self._update_summary()

    def _update_summary(self):
        total = sum(self.verdict_counts.values())
        if self.layer is None:
            self.overall_label.setText(tr("No result yet: run the analysis."))
            self.summary_label.setText("")
            return
        counts = self.verdict_counts
        self.overall_label.setText(tr(
            "<b>{0}</b> patches analysed: {1} illegal, {2} to verify, {3} lawful, {4} under "
            "the minimum mapping area.").format(
                total, counts.get(ILLEGAL, 0), counts.get(TO_VERIFY, 0), counts.get(LAWFUL, 0),
                counts.get(BELOW_MIN, 0)))
        rows = self.proxy.visible_rows()
        illegal = sum(1 for r in rows if r.verdict == ILLEGAL)
        self.summary_label.setText(tr(
            "Listed: <b>{0}</b> patches ({1} illegal, {2} to verify); flagged area "
            "<b>{3}</b> mu, patch area {4} mu").format(
                len(rows), illegal, len(rows) - illegal,
                f"{sum(r.flag_area_mu for r in rows):.2f}",
                f"{sum(r.area_mu for r in rows):.2f}"))

    def _clicked(self, index):
        fid = self.proxy.data(index, FlaggedPatchesModel.FID_ROLE)
        if fid is not None:
            self.patch_activated.emit(int(fid))
