"""Page 2 运行 of the workspace: the job's name and settings, 检查数据 with its list of problems,
run and cancel, progress, and the status area where long messages are shown in full."""

from qgis.core import QgsApplication
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..compat import tr
from . import checks

PROBLEM_ICONS = {checks.ERROR: "/mIconCritical.svg", checks.WARNING: "/mIconWarning.svg",
                 checks.INFO: "/mIconInfo.svg"}


class RunPage(QWidget):
    """``changed`` when a setting changes; the dock connects the buttons."""

    changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("jobName")
        self.name_edit.setPlaceholderText(tr("e.g. County X, first batch of 2024"))
        self.name_edit.setToolTip(tr("Names the result layer and the ledger's notes."))
        self.name_edit.editingFinished.connect(self.changed)
        form.addRow(tr("Job name"), self.name_edit)
        self.rules_widget = QgsFileWidget(self)
        self.rules_widget.setObjectName("rulesFile")
        self.rules_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.rules_widget.setFilter(tr("Rule sets (*.yaml *.yml)"))
        self.rules_widget.lineEdit().setPlaceholderText(tr("Default county rule set"))
        self.rules_widget.fileChanged.connect(self.changed)
        form.addRow(tr("Rule set"), self.rules_widget)
        self.min_area_spin = QDoubleSpinBox(self)
        self.min_area_spin.setObjectName("minArea")
        self.min_area_spin.setRange(0.0, 10000.0)
        self.min_area_spin.setDecimals(1)
        self.min_area_spin.setSuffix(" m²")
        self.min_area_spin.setToolTip(tr(
            "Overlaps smaller than this count as no overlap (slivers between layers drawn "
            "from different sources)."))
        self.min_area_spin.valueChanged.connect(self.changed)
        form.addRow(tr("Ignore overlaps under"), self.min_area_spin)
        self.out_dir_widget = QgsFileWidget(self)
        self.out_dir_widget.setObjectName("outputFolder")
        self.out_dir_widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.out_dir_widget.setToolTip(tr(
            "Every run writes a new dated folder here with result.gpkg and the copies of "
            "layers that are not files."))
        self.out_dir_widget.fileChanged.connect(self.changed)
        form.addRow(tr("Output folder"), self.out_dir_widget)
        layout.addLayout(form)

        check_row = QHBoxLayout()
        self.check_button = QPushButton(tr("Check data"), self)
        self.check_button.setObjectName("checkButton")
        check_row.addWidget(self.check_button)
        check_row.addStretch(1)
        layout.addLayout(check_row)
        self.problem_list = QListWidget(self)
        self.problem_list.setObjectName("problemList")
        self.problem_list.setWordWrap(True)
        layout.addWidget(self.problem_list, 1)

        run_row = QHBoxLayout()
        self.run_button = QPushButton(tr("Run analysis"), self)
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        run_row.addWidget(self.run_button, 1)
        run_row.addWidget(self.cancel_button)
        layout.addLayout(run_row)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)

    def show_problems(self, problems):
        """List the checks' problems (a success line when there are none)."""
        self.problem_list.clear()
        for problem in problems:
            self.add_problem(problem.level, problem.text)
        if not problems:
            self.problem_list.addItem(QListWidgetItem(
                QgsApplication.getThemeIcon("/mIconSuccess.svg"), tr("No problems found.")))

    def add_problem(self, level, text, first=False):
        item = QListWidgetItem(QgsApplication.getThemeIcon(PROBLEM_ICONS[level]), text)
        item.setData(Qt.ItemDataRole.UserRole, level)
        if first:
            self.problem_list.insertItem(0, item)
        else:
            self.problem_list.addItem(item)

    def set_running(self, running):
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def show_status(self, text, progress=None):
        """A line (or paragraph) in the status area; ``progress`` in percent when given."""
        self.status_label.setText(text)
        if progress is not None:
            self.progress_bar.setValue(progress)

    def clear(self):
        self.problem_list.clear()
        self.show_status("", 0)
