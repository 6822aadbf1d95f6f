"""The flagged patches of a result: counts and areas, filters, and a table that zooms the map."""

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..compat import tr
from ..core.ledger.columns import STATUS_VALUES
from ..core.rules.terms import BELOW, CHECK, ILLEGAL, LEGAL
from .results_model import ANY, FLAGGED, NO_STATUS, FlaggedPatchesModel

#: Sample texts that size the table's columns (the values a county's result holds); the
#: violation type column gets a fixed width and shows the rest in its tooltip.
COLUMN_SAMPLES = {"patch_id": "21028120240001", "verdict": "需核实", "severity": "5",
                  "flag_area_mu": "9999.99", "status": "整改中", "township": "石岭乡",
                  "village": "王家屯村", "area_mu": "9999.99", "zones": "饮用水水源保护区 一级保护区"}
TYPE_COLUMN_WIDTH = 170
#: Room beside a cell's text (margins) and a header's (margins and the sort arrow), pixels.
CELL_PADDING, HEADER_PADDING = 12, 20
SWATCH_GAP = 12


class ResultsPanel(QWidget):
    """Summary, filters and the table of flagged patches of one result.

    ``patch_activated(fid)`` is emitted when the analyst clicks a patch.
    """

    patch_activated = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.has_result = False
        self.verdict_counts = {}
        self.zones = []
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
        layout.addLayout(self._filters())

        self.model = FlaggedPatchesModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("flaggedTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_columns()
        header.setSortIndicator(self.model.column_of("severity"), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        layout.addWidget(self.table, 1)
        self._show_zone_controls()
        self._fill_filters()
        self._update_summary()

    def _filters(self):
        grid = QGridLayout()
        self.township_combo = self._combo("townshipFilter")
        self.type_combo = self._combo("typeFilter")
        self.severity_combo = self._combo("severityFilter")
        self.verdict_combo = self._combo("verdictFilter")
        self.status_combo = self._combo("statusFilter")
        self.zone_combo = self._combo("zoneFilter")
        self.zone_label = QLabel(tr("Zone"), self)
        self.zone_combo.setToolTip(tr("The zones the job file adds itself (nature reserves, "
                                      "water source protection areas …)."))
        grid.addWidget(QLabel(tr("Township"), self), 0, 0)
        grid.addWidget(self.township_combo, 0, 1)
        grid.addWidget(QLabel(tr("Verdict"), self), 0, 2)
        grid.addWidget(self.verdict_combo, 0, 3)
        grid.addWidget(QLabel(tr("Type"), self), 1, 0)
        grid.addWidget(self.type_combo, 1, 1, 1, 3)
        grid.addWidget(QLabel(tr("Severity"), self), 2, 0)
        grid.addWidget(self.severity_combo, 2, 1)
        grid.addWidget(QLabel(tr("Progress"), self), 2, 2)
        grid.addWidget(self.status_combo, 2, 3)
        grid.addWidget(self.zone_label, 3, 0)
        grid.addWidget(self.zone_combo, 3, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return grid

    def _combo(self, name):
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.currentIndexChanged.connect(self._apply_filter)
        return combo

    def _size_columns(self):
        """Widths from the font, not from the rows: measuring 30,000 rows would stall QGIS."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for column, (key, title) in enumerate(self.model.columns):
            if key == "violation_type":
                width = TYPE_COLUMN_WIDTH
            else:
                cell = metrics.horizontalAdvance(COLUMN_SAMPLES.get(key, "")) + CELL_PADDING
                if key == "verdict":  # the verdict's colour swatch, and the gap beside it
                    cell += self.table.style().pixelMetric(
                        QStyle.PixelMetric.PM_SmallIconSize) + SWATCH_GAP
                width = max(cell, header.fontMetrics().horizontalAdvance(title)
                            + HEADER_PADDING)
            header.resizeSection(column, width)

    def set_rows(self, result_rows):
        """Show the flagged rows of a result (``ResultRows``), or clear the panel (None)."""
        self.has_result = result_rows is not None
        rows, self.verdict_counts = ((result_rows.rows, result_rows.verdicts)
                                     if result_rows is not None else ([], {}))
        self.zones = list(result_rows.zones) if result_rows is not None else []
        self.model.set_rows(rows)
        self._show_zone_controls()
        header = self.table.horizontalHeader()
        header.setSortIndicator(self.model.column_of("severity"), Qt.SortOrder.DescendingOrder)
        self._fill_filters()
        self._apply_filter()

    def _show_zone_controls(self):
        """The zones column and filter only for a result whose job adds zones of its own: any
        other shows the table as it always was."""
        self.table.setColumnHidden(self.model.column_of("zones"), not self.zones)
        self.zone_label.setVisible(bool(self.zones))
        self.zone_combo.setVisible(bool(self.zones))

    def _fill_filters(self):
        rows = self.model.all_rows
        townships = sorted({r.township for r in rows if r.township})
        types = sorted({r.violation_type for r in rows if r.violation_type})
        self._fill(self.township_combo, [(t, t) for t in townships])
        self._fill(self.type_combo, [(t, t) for t in types])
        self._fill(self.severity_combo, [
            (tr("{0} (most severe)").format(5) if s == 5 else tr("{0} or more").format(s), s)
            for s in (5, 4, 3, 2)])
        self._fill(self.verdict_combo, [(v, v) for v in FLAGGED])
        present = {r.status for r in rows}
        statuses = [v for v in STATUS_VALUES if v in present]
        statuses += sorted(present - set(STATUS_VALUES) - {NO_STATUS})
        self._fill(self.status_combo, [(tr("(not filled in)"), NO_STATUS)]
                   + [(v, v) for v in statuses])
        self._fill(self.zone_combo, [(z, z) for z in self.zones])

    def _fill(self, combo, items):
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("All"), ANY)
        for text, data in items:
            combo.addItem(text, data)
        combo.blockSignals(False)

    def set_filter(self, township=ANY, violation_type=ANY, min_severity=ANY, verdict=ANY,
                   status=ANY, zone=ANY):
        """Choose filter values as the analyst would in the combos."""
        for combo, value in ((self.township_combo, township), (self.type_combo, violation_type),
                             (self.severity_combo, min_severity),
                             (self.verdict_combo, verdict), (self.status_combo, status),
                             (self.zone_combo, zone)):
            index = combo.findData(value)
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self._apply_filter()

    def visible_rows(self):
        """The rows the table shows, in its order."""
        return list(self.model.rows)

    def _apply_filter(self, *_):
        self.model.set_criteria(
            township=self.township_combo.currentData(),
            violation_type=self.type_combo.currentData(),
            min_severity=self.severity_combo.currentData(),
            verdict=self.verdict_combo.currentData(),
            status=self.status_combo.currentData(),
            zone=self.zone_combo.currentData())
        self._update_summary()

    def _update_summary(self):
        if not self.has_result:
            self.overall_label.setText(tr("No result yet: run the analysis."))
            self.summary_label.setText("")
            return
        counts = self.verdict_counts
        self.overall_label.setText(tr(
            "<b>{0}</b> patches analysed: {1} illegal, {2} to verify, {3} lawful, {4} under "
            "the minimum mapping area.").format(
                sum(counts.values()), counts.get(ILLEGAL, 0), counts.get(CHECK, 0),
                counts.get(LEGAL, 0), counts.get(BELOW, 0)))
        rows = self.model.rows
        illegal = sum(1 for r in rows if r.verdict == ILLEGAL)
        self.summary_label.setText(tr(
            "Listed: <b>{0}</b> patches ({1} illegal, {2} to verify); flagged area "
            "<b>{3}</b> mu, patch area {4} mu").format(
                len(rows), illegal, len(rows) - illegal,
                f"{sum(r.flag_area_mu for r in rows):.2f}",
                f"{sum(r.area_mu for r in rows):.2f}"))

    def _clicked(self, index):
        fid = self.model.data(index, FlaggedPatchesModel.FID_ROLE)
        if fid is not None:
            self.patch_activated.emit(int(fid))
