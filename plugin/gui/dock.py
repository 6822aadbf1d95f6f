"""The 土地监管 dock: pick the data, run the analysis in the background, work through the results."""

import datetime
import os

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsFileWidget, QgsMessageBar
from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..compat import tr
from ..identity import LOG_TAG, PROVIDER_ID, SETTINGS_PREFIX
from ..core.errors import InputError
from . import checks
from .field_mapping import guess_role_layers, input_roles
from .job_state import (
    JobState,
    RoleChoice,
    default_out_dir,
    default_state,
    job_dict,
    load_from_project,
    remember_defaults,
    save_to_project,
    state_from_job,
)
from .input_styles import DRAW_ORDER, style_input_layer
from .layer_sources import file_source
from .result_layer import add_result_layer, open_result_layer, zoom_to_feature
from .results_panel import ResultsPanel
from .role_widgets import RoleRow, add_input_layer
from .task import BAD_INPUT, CANCELLED, FAILED, SUCCEEDED, AnalysisTask, LedgerExportTask

DOCK_OBJECT_NAME = "landSupervisionDock"
DATA_TAB, RUN_TAB, RESULTS_TAB = 0, 1, 2
#: Wide enough for the results table's id, place, verdict and type columns.
DOCK_WIDTH = 560
SIZED_SETTING = SETTINGS_PREFIX + "dock_sized"
PROBLEM_ICONS = {checks.ERROR: "/mIconCritical.svg", checks.WARNING: "/mIconWarning.svg",
                 checks.INFO: "/mIconInfo.svg"}

FIELDPACK_ALGORITHM_ID = f"{PROVIDER_ID}:fieldpack"
IMPORT_ALGORITHM_ID = f"{PROVIDER_ID}:importledger"


def log(message, level=Qgis.MessageLevel.Info):
    QgsMessageLog.logMessage(message, LOG_TAG, level)


class LandSupervisionDock(QgsDockWidget):
    """The analyst's workspace for one supervision job (one per QGIS window)."""

    def __init__(self, iface, parent=None):
        super().__init__(tr("Land supervision: patch verification"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self.iface = iface
        self.project = QgsProject.instance()
        self.state = default_state()
        self.task = None
        self.ledger_task = None
        self.result_layer = None
        self._restoring = False

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("landSupervisionTabs")
        self.tabs.addTab(self._data_page(), tr("1 Data"))
        self.tabs.addTab(self._run_page(), tr("2 Run"))
        self.tabs.addTab(self._results_page(), tr("3 Results"))
        self.setWidget(self.tabs)
        self.setMinimumWidth(360)

        self.project.readProject.connect(self.restore_from_project)
        self.project.cleared.connect(self.reset)
        self.project.writeProject.connect(self._write_project)
        self.project.layersWillBeRemoved.connect(self._layers_removing)
        self.restore_from_project()

    def showEvent(self, event):  # noqa: N802 (Qt API)
        """The first time the dock opens on a profile it gets room for the results table;
        later QGIS restores whatever width the analyst gave it."""
        super().showEvent(event)
        settings = QgsSettings()
        window = self.parentWidget()
        docked = isinstance(window, QMainWindow) and not self.isFloating() \
            and window.dockWidgetArea(self) != Qt.DockWidgetArea.NoDockWidgetArea
        if not docked or settings.value(SIZED_SETTING, False, type=bool):
            return
        settings.setValue(SIZED_SETTING, True)
        if self.width() < DOCK_WIDTH:
            window.resizeDocks([self], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    # ------------------------------------------------------------------ pages

    def _data_page(self):
        page = QWidget()
        layout = QVBoxLayout(page)
        buttons = QHBoxLayout()
        self.open_job_button = QPushButton(tr("Open job file…"), page)
        self.open_job_button.setObjectName("openJobButton")
        self.open_job_button.setToolTip(tr(
            "Add the layers of a job file (YAML, as the command line uses it) to the project "
            "and fill in this form."))
        self.open_job_button.clicked.connect(self.choose_job_file)
        self.guess_button = QPushButton(tr("Recognise layers"), page)
        self.guess_button.setObjectName("guessLayersButton")
        self.guess_button.setToolTip(tr(
            "Choose the project's layers by their survey names (JCTB, DLTB, YJJBNTTB, STBHHX, "
            "CZKFBJ, XZQ …) for every input still empty."))
        self.guess_button.clicked.connect(self.recognise_layers)
        buttons.addWidget(self.open_job_button)
        buttons.addWidget(self.guess_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.role_rows = {}
        groups = {"patches": QGroupBox(tr("Patches to verify"), page),
                  "baselines": QGroupBox(tr("Baselines"), page),
                  "exemptions": QGroupBox(tr("Legal cover"), page),
                  "admin": QGroupBox(tr("Administrative divisions"), page)}
        for group in groups.values():
            QVBoxLayout(group)
            layout.addWidget(group)
        for role in input_roles():
            row = RoleRow(role, groups[role.group])
            row.changed.connect(self._form_changed)
            groups[role.group].layout().addWidget(row)
            self.role_rows[role.key] = row
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def _run_page(self):
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.rules_widget = QgsFileWidget(page)
        self.rules_widget.setObjectName("rulesFile")
        self.rules_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.rules_widget.setFilter(tr("Rule sets (*.yaml *.yml)"))
        self.rules_widget.lineEdit().setPlaceholderText(tr("Default county rule set"))
        self.rules_widget.fileChanged.connect(self._form_changed)
        form.addRow(tr("Rule set"), self.rules_widget)
        self.min_area_spin = QDoubleSpinBox(page)
        self.min_area_spin.setObjectName("minArea")
        self.min_area_spin.setRange(0.0, 10000.0)
        self.min_area_spin.setDecimals(1)
        self.min_area_spin.setSuffix(" m²")
        self.min_area_spin.setToolTip(tr(
            "Overlaps smaller than this count as no overlap (slivers between layers drawn "
            "from different sources)."))
        self.min_area_spin.valueChanged.connect(self._form_changed)
        form.addRow(tr("Ignore overlaps under"), self.min_area_spin)
        self.out_dir_widget = QgsFileWidget(page)
        self.out_dir_widget.setObjectName("outputFolder")
        self.out_dir_widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.out_dir_widget.setToolTip(tr(
            "Every run writes a new dated folder here with result.gpkg and the copies of "
            "layers that are not files."))
        self.out_dir_widget.fileChanged.connect(self._form_changed)
        form.addRow(tr("Output folder"), self.out_dir_widget)
        layout.addLayout(form)

        check_row = QHBoxLayout()
        self.check_button = QPushButton(tr("Check data"), page)
        self.check_button.setObjectName("checkButton")
        self.check_button.clicked.connect(self.check_data)
        check_row.addWidget(self.check_button)
        check_row.addStretch(1)
        layout.addLayout(check_row)
        self.problem_list = QListWidget(page)
        self.problem_list.setObjectName("problemList")
        self.problem_list.setWordWrap(True)
        layout.addWidget(self.problem_list, 1)

        run_row = QHBoxLayout()
        self.run_button = QPushButton(tr("Run analysis"), page)
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(tr("Cancel"), page)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        run_row.addWidget(self.run_button, 1)
        run_row.addWidget(self.cancel_button)
        layout.addLayout(run_row)
        self.progress_bar = QProgressBar(page)
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label = QLabel(page)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        return page

    def _results_page(self):
        page = QWidget()
        layout = QVBoxLayout(page)
        self.results_panel = ResultsPanel(page)
        self.results_panel.patch_activated.connect(self.zoom_to_patch)
        layout.addWidget(self.results_panel, 1)
        buttons = QHBoxLayout()
        self.ledger_button = QPushButton(tr("Export ledger…"), page)
        self.ledger_button.setObjectName("exportLedgerButton")
        self.ledger_button.setToolTip(tr(
            "Write the rectification ledger (Excel) of the flagged patches; the values "
            "analysts filled in an earlier ledger of the same name are kept."))
        self.ledger_button.clicked.connect(self.choose_ledger_file)
        self.refresh_button = QPushButton(tr("Refresh"), page)
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.setToolTip(tr(
            "Read the result again, e.g. after a filled-in ledger was imported into it."))
        self.refresh_button.clicked.connect(self.refresh_results)
        self.fieldpack_button = QPushButton(tr("Prepare field verification…"), page)
        self.fieldpack_button.setObjectName("fieldpackButton")
        self.fieldpack_button.setToolTip(tr(
            "Field sheets (PDF), image chips, a GeoPackage and QField project for the field "
            "team, and KML/KMZ, for every flagged patch of this result."))
        self.fieldpack_button.clicked.connect(self.open_fieldpack_dialog)
        self.import_button = QPushButton(tr("Import verification…"), page)
        self.import_button.setObjectName("importVerificationButton")
        self.import_button.setToolTip(tr(
            "Bring a filled-in ledger (Excel) or the field team's GeoPackage back into this "
            "result, with the same checks; the list is refreshed afterwards."))
        self.import_button.clicked.connect(self.open_import_dialog)
        self.open_folder_button = QPushButton(tr("Open result folder"), page)
        self.open_folder_button.setObjectName("openFolderButton")
        self.open_folder_button.clicked.connect(self.open_result_folder)
        buttons.addWidget(self.ledger_button)
        buttons.addWidget(self.fieldpack_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_result_buttons()
        return page

    # ------------------------------------------------------------------ state

    def current_state(self) -> JobState:
        """The job as the form shows it (the last result is kept from the state)."""
        state = JobState(rules=self.rules_widget.filePath().strip(),
                         min_area_m2=self.min_area_spin.value(),
                         out_dir=self.out_dir_widget.filePath().strip(),
                         result_path=self.state.result_path,
                         result_layer_id=self.state.result_layer_id)
        for key, row in self.role_rows.items():
            choice = row.choice()
            if choice.layer_id:
                state.choices[key] = choice
        return state

    def apply_state(self, state: JobState):
        """Show a job in the form, without treating it as an edit."""
        self._restoring = True
        try:
            self.state = state
            for key, row in self.role_rows.items():
                row.set_choice(state.choices.get(key, RoleChoice()), self.project)
            state.choices = {k: v for k, v in state.choices.items() if v.layer_id}
            self.rules_widget.setFilePath(state.rules)
            self.min_area_spin.setValue(state.min_area_m2)
            self.out_dir_widget.setFilePath(state.out_dir)
            self.out_dir_widget.lineEdit().setPlaceholderText(default_out_dir(self.project))
        finally:
            self._restoring = False
        layer = self.project.mapLayer(state.result_layer_id) if state.result_layer_id else None
        self._show_result_layer(layer if isinstance(layer, QgsVectorLayer) else None)

    def _form_changed(self, *_):
        if self._restoring:
            return
        self.state = self.current_state()
        save_to_project(self.state, self.project)
        remember_defaults(self.state)

    def restore_from_project(self, *_):
        self.apply_state(load_from_project(self.project) or default_state())

    def reset(self):
        if self.task is not None:
            self.cancel()
        self.apply_state(default_state())
        self.problem_list.clear()
        self.status_label.clear()
        self.progress_bar.setValue(0)

    def _write_project(self, *_):
        self.state = self.current_state()
        save_to_project(self.state, self.project)

    def _layers_removing(self, layer_ids):
        if self.result_layer is not None and self.result_layer.id() in layer_ids:
            self._show_result_layer(None)

    # ------------------------------------------------------------------ data

    def choose_job_file(self):
        path, _ = QFileDialog.getOpenFileName(self, tr("Open job file"), "",
                                              tr("Job files (*.yaml *.yml)"))
        if path:
            self.open_job_file(path)

    def open_job_file(self, path):
        """Add a job file's layers to the project and show its job; False on a bad file."""
        from ..core.job import load_job

        try:
            job = load_job(path)
        except InputError as error:
            self._push(tr("The job file cannot be used: {0}").format(error),
                       Qgis.MessageLevel.Critical)
            return False
        layers = {}
        rank = {role: n for n, role in enumerate(DRAW_ORDER)}
        for spec in sorted(job.layers(), key=lambda s: rank.get(s.role, len(rank))):
            uri = spec.path + (f"|layername={spec.layer}" if spec.layer else "")
            name = spec.layer or os.path.splitext(os.path.basename(spec.path))[0]
            layer = QgsVectorLayer(uri, name, "ogr")
            if not layer.isValid():
                self._push(tr("QGIS cannot open {0}.").format(uri), Qgis.MessageLevel.Warning)
                continue
            if spec.encoding:
                layer.setProviderEncoding(spec.encoding)
            added = add_input_layer(self.project, layer)
            if added is layer:
                style_input_layer(layer, spec.role, spec.where)
            layers[spec.role] = added
        state = state_from_job(job, self.project, layers)
        state.out_dir = self.out_dir_widget.filePath().strip() or state.out_dir
        self.apply_state(state)
        self._form_changed()
        return True

    def recognise_layers(self):
        """Fill every empty input with a project layer whose name says what it is."""
        candidates = []
        excepted = {self.result_layer.id()} if self.result_layer is not None else set()
        for layer in self.project.mapLayers().values():
            if not isinstance(layer, QgsVectorLayer) or layer.id() in excepted:
                continue
            source = file_source(layer)
            names = [layer.name()]
            if source is not None:
                names += [source[1] or "", os.path.splitext(os.path.basename(source[0]))[0]]
            candidates.append((layer.id(), names))
        taken = {row.layer().id() for row in self.role_rows.values() if row.layer() is not None}
        candidates = [c for c in candidates if c[0] not in taken]
        for role, layer_id in guess_role_layers(candidates).items():
            row = self.role_rows[role]
            if row.layer() is None:
                row.set_layer(self.project.mapLayer(layer_id))

    def check_data(self):
        """Run the pre-run checks and list the problems; True when nothing stops a run."""
        self.state = self.current_state()
        problems = checks.check_job(self.state, self.project)
        self.problem_list.clear()
        for problem in problems:
            item = QListWidgetItem(QgsApplication.getThemeIcon(PROBLEM_ICONS[problem.level]),
                                   problem.text)
            item.setData(Qt.ItemDataRole.UserRole, problem.level)
            self.problem_list.addItem(item)
        if not problems:
            self.problem_list.addItem(QListWidgetItem(
                QgsApplication.getThemeIcon("/mIconSuccess.svg"), tr("No problems found.")))
        return not any(p.level == checks.ERROR for p in problems)

    # ------------------------------------------------------------------ run

    def run(self):
        """Check the inputs and start the analysis task; False when it cannot start."""
        if self.task is not None:
            return False
        self.tabs.setCurrentIndex(RUN_TAB)
        if not self.check_data():
            self._push(tr("Fix the problems marked in red before running."),
                       Qgis.MessageLevel.Warning)
            return False
        base = self.state.out_dir or default_out_dir(self.project)
        run_dir = os.path.join(base, datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
        try:
            os.makedirs(run_dir, exist_ok=True)
            job_data = job_dict(self.state, self.project, os.path.join(run_dir, "inputs"))
        except (OSError, InputError) as error:
            self._push(tr("The analysis cannot start: {0}").format(error),
                       Qgis.MessageLevel.Critical)
            return False
        remember_defaults(self.state)
        task = AnalysisTask(tr("Land supervision: patch overlay analysis"), job_data, run_dir)
        task.stepped.connect(self._task_stepped)
        task.done.connect(self._task_done)
        self.task = task
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status_label.setText(tr("Starting…"))
        log(tr("Analysis started; output folder {0}").format(run_dir))
        QgsApplication.taskManager().addTask(task)
        return True

    def cancel(self):
        if self.task is not None:
            self.status_label.setText(tr("Cancelling…"))
            self.task.cancel()

    def _task_stepped(self, fraction, message):
        self.progress_bar.setValue(int(round(100 * fraction)))
        self.status_label.setText(message)

    def _task_done(self, task):
        self.task = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if task.outcome == SUCCEEDED:
            self._run_succeeded(task.result)
        elif task.outcome == BAD_INPUT:
            self.progress_bar.setValue(0)
            self.status_label.setText(str(task.error))
            item = QListWidgetItem(QgsApplication.getThemeIcon(PROBLEM_ICONS[checks.ERROR]),
                                   str(task.error))
            self.problem_list.insertItem(0, item)
            log(str(task.error), Qgis.MessageLevel.Critical)
            self._push(tr("The analysis stopped on bad input: {0}").format(task.error),
                       Qgis.MessageLevel.Critical, with_log=True)
        elif task.outcome == CANCELLED:
            self.progress_bar.setValue(0)
            self.status_label.setText(tr("Cancelled: nothing was written."))
            log(tr("Cancelled: nothing was written."))
            self._push(tr("Cancelled: nothing was written."), Qgis.MessageLevel.Info)
        elif task.outcome == FAILED:
            self.progress_bar.setValue(0)
            self.status_label.setText(tr("The analysis failed; see the log."))
            log(task.failure, Qgis.MessageLevel.Critical)
            self._push(tr("The analysis failed unexpectedly; the log has the details."),
                       Qgis.MessageLevel.Critical, with_log=True)

    def _run_succeeded(self, result):
        self.progress_bar.setValue(100)
        for line in result.summary_lines():
            log(line, Qgis.MessageLevel.Success)
        for note in result.notes:
            log(str(note), Qgis.MessageLevel.Warning)
        stamp = os.path.basename(os.path.dirname(result.result_path))
        layer = open_result_layer(result.result_path,
                                  tr("Patch verdicts {0}").format(stamp))
        if not layer.isValid():
            self._push(tr("The result was written to {0} but QGIS cannot open it.").format(
                result.result_path), Qgis.MessageLevel.Critical, with_log=True)
            return
        previous = self.result_layer
        add_result_layer(self.project, layer)
        if previous is not None and self.project.mapLayer(previous.id()) is not None:
            # The previous run's files stay on disk; only its layer leaves the map.
            self.project.removeMapLayer(previous.id())
        self.state = self.current_state()
        self.state.result_path = result.result_path
        self.state.result_layer_id = layer.id()
        save_to_project(self.state, self.project)
        self._show_result_layer(layer)
        self.tabs.setCurrentIndex(RESULTS_TAB)
        counts = result.verdicts
        text = tr("{0} patches analysed: {1} illegal, {2} to verify, {3} lawful.").format(
            result.patch_count, counts.get("违法", 0), counts.get("需核实", 0),
            counts.get("合法", 0))
        # The message bar is narrow beside the dock: the notes go to the dock's status line.
        self._push(text, Qgis.MessageLevel.Success, with_log=True)
        if result.notes:
            text += " " + tr("{0} notes on the input are in the log.").format(len(result.notes))
        self.status_label.setText(text)

    # ------------------------------------------------------------------ results

    def _show_result_layer(self, layer):
        self.result_layer = layer
        self.results_panel.set_layer(layer)
        for row in self.role_rows.values():
            row.set_excepted_layers([layer] if layer is not None else [])
        self._update_result_buttons()

    def _update_result_buttons(self):
        have_result = bool(self.state.result_path) and os.path.exists(self.state.result_path)
        self.open_folder_button.setEnabled(have_result)
        self.ledger_button.setEnabled(have_result and self.ledger_task is None)
        self.fieldpack_button.setEnabled(have_result)
        self.import_button.setEnabled(have_result and self.ledger_task is None)
        self.refresh_button.setEnabled(self.result_layer is not None)

    def refresh_results(self):
        if self.result_layer is not None:
            self.result_layer.reload()
            self.results_panel.set_layer(self.result_layer)

    def choose_ledger_file(self):
        folder = os.path.dirname(self.state.result_path)
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export ledger"), os.path.join(folder, tr("rectification ledger") + ".xlsx"),
            tr("Excel workbook (*.xlsx)"))
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export_ledger(path)

    def export_ledger(self, path):
        """Write the ledger of the current result to ``path`` in the background."""
        if self.ledger_task is not None or not self.state.result_path:
            return False
        task = LedgerExportTask(tr("Land supervision: export ledger"), self.state.result_path,
                                path)
        task.done.connect(self._ledger_done)
        self.ledger_task = task
        self._update_result_buttons()
        QgsApplication.taskManager().addTask(task)
        return True

    def _ledger_done(self, task):
        self.ledger_task = None
        self._update_result_buttons()
        if task.outcome == SUCCEEDED:
            report = task.result
            for line in report.lines():
                log(line)
            self._push(tr("Ledger written: {0} ({1} patches).").format(report.path, report.rows),
                       Qgis.MessageLevel.Success,
                       button=(tr("Open"), lambda: QDesktopServices.openUrl(
                           QUrl.fromLocalFile(report.path))))
        elif task.outcome == BAD_INPUT:
            log(str(task.error), Qgis.MessageLevel.Critical)
            self._push(tr("The ledger was not written: {0}").format(task.error),
                       Qgis.MessageLevel.Critical)
        elif task.outcome == FAILED:
            log(task.failure, Qgis.MessageLevel.Critical)
            self._push(tr("The ledger export failed unexpectedly; the log has the details."),
                       Qgis.MessageLevel.Critical, with_log=True)

    def zoom_to_patch(self, fid):
        if self.result_layer is not None:
            zoom_to_feature(self.iface.mapCanvas(), self.result_layer, fid, self.project)

    def open_fieldpack_dialog(self):
        """The Processing dialog of 准备外业核查, filled in with this result (one code path for
        the dock, the toolbox and qgis_process)."""
        from qgis import processing

        if not self.state.result_path or not hasattr(processing, "execAlgorithmDialog"):
            return
        folder = os.path.join(os.path.dirname(self.state.result_path), "fieldpack")
        processing.execAlgorithmDialog(FIELDPACK_ALGORITHM_ID, {
            "RESULT": self.state.result_path, "OUTPUT_FOLDER": folder})

    def open_import_dialog(self):
        """The Processing dialog of 导入核查结果 for this result; the list is read again after."""
        from qgis import processing

        if not self.state.result_path or not hasattr(processing, "execAlgorithmDialog"):
            return
        processing.execAlgorithmDialog(IMPORT_ALGORITHM_ID, {"RESULT": self.state.result_path})
        self.refresh_results()

    def open_result_folder(self):
        if self.state.result_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(self.state.result_path)))

    # ------------------------------------------------------------------ messages

    def _push(self, text, level, with_log=False, button=None):
        """A message in QGIS's message bar, with a button to the log panel (``with_log``) or
        another one given as (label, callable)."""
        bar = self.iface.messageBar()
        title = tr("Land Supervision")
        duration = 0 if level == Qgis.MessageLevel.Critical else 10
        if with_log:
            button = (tr("Show log"), self.iface.openMessageLog)
        if button is None:
            bar.pushMessage(title, text, level, duration)
            return
        item = QgsMessageBar.createMessage(title, text, bar)
        widget = QPushButton(button[0], item)
        widget.setObjectName("messageButton")
        widget.clicked.connect(button[1])
        item.layout().addWidget(widget)
        bar.pushWidget(item, level, duration)

    # ------------------------------------------------------------------ life

    def close_down(self):
        """Let go of the project and any running task before the plugin unloads."""
        for signal, slot in ((self.project.readProject, self.restore_from_project),
                             (self.project.cleared, self.reset),
                             (self.project.writeProject, self._write_project),
                             (self.project.layersWillBeRemoved, self._layers_removing)):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        if self.task is not None:
            task, self.task = self.task, None
            task.done.disconnect(self._task_done)
            task.stepped.disconnect(self._task_stepped)
            task.cancel()
        if self.ledger_task is not None:
            task, self.ledger_task = self.ledger_task, None
            task.done.disconnect(self._ledger_done)
