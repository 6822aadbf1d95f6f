"""The 土地监管 dock: pick the data, run the analysis in the background, work through the results.

The pages are their own widgets (data_page, run_page, results_page); the dock holds the job,
runs the background tasks and tells the analyst how they went.
"""

import datetime
import os

from qgis.core import Qgis, QgsApplication, QgsProject, QgsSettings, QgsVectorLayer
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QMainWindow, QPushButton, QTabWidget

from ..compat import tr
from ..core.errors import InputError
from ..core.rules.terms import CHECK, ILLEGAL, LEGAL
from ..identity import SETTINGS_PREFIX
from ..paths import help_page
from . import checks
from .data_page import DataPage
from .job_state import (
    JobState,
    default_out_dir,
    default_state,
    job_dict,
    load_from_project,
    remember_defaults,
    result_layer_name,
    save_to_project,
    state_from_job,
)
from .messages import MessageBar, log, open_path
from .result_actions import ResultActions
from .result_layer import add_result_layer, open_legend, open_result_layer, zoom_to_feature
from .results_page import ResultsPage
from .run_page import RunPage
from .task import BAD_INPUT, CANCELLED, FAILED, SUCCEEDED, AnalysisTask, ResultRowsTask

DOCK_OBJECT_NAME = "landSupervisionDock"
DATA_TAB, RUN_TAB, RESULTS_TAB = 0, 1, 2
#: Wide enough for the results table's id, verdict, severity, area and progress columns.
DOCK_WIDTH = 560
SIZED_SETTING = SETTINGS_PREFIX + "dock_sized"
#: Notes on the input logged one by one after a run; the rest are in the result's notes table.
LOGGED_NOTES = 200


class LandSupervisionDock(QgsDockWidget):
    """The analyst's workspace for one supervision job (one per QGIS window)."""

    def __init__(self, iface, parent=None):
        super().__init__(tr("Land supervision: patch verification"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self.iface = iface
        self.project = QgsProject.instance()
        self.state = default_state()
        self.task = None
        self.rows_task = None
        self.result_layer = None
        self._restoring = False
        self.messages = MessageBar(iface, self.show_detail)

        self.data_page = DataPage(self.project, self)
        self.data_page.changed.connect(self._form_changed)
        self.data_page.problem.connect(
            lambda text: self.messages.push(text, Qgis.MessageLevel.Critical))
        self.run_page = RunPage(self)
        self.run_page.changed.connect(self._form_changed)
        self.run_page.check_button.clicked.connect(self.check_data)
        self.run_page.run_button.clicked.connect(self.run)
        self.run_page.cancel_button.clicked.connect(self.cancel)
        self.results_page = ResultsPage(self)
        self.results_panel = self.results_page.panel
        self.results_panel.patch_activated.connect(self.zoom_to_patch)
        self.actions = ResultActions(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("landSupervisionTabs")
        self.tabs.addTab(self.data_page, tr("1 Data"))
        self.tabs.addTab(self.run_page, tr("2 Run"))
        self.tabs.addTab(self.results_page, tr("3 Results"))
        self.help_button = QPushButton(tr("Help"), self.tabs)
        self.help_button.setObjectName("helpButton")
        self.help_button.setToolTip(tr("Open the plugin's help page"))
        self.help_button.clicked.connect(self.open_help)
        self.tabs.setCornerWidget(self.help_button, Qt.Corner.TopRightCorner)
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

    # ------------------------------------------------------------------ state

    def current_state(self) -> JobState:
        """The job as the form shows it (the last result and images are kept from the state)."""
        page = self.run_page
        return JobState(choices=self.data_page.choices(), name=page.name_edit.text().strip(),
                        rules=page.rules_widget.filePath().strip(),
                        min_area_m2=page.min_area_spin.value(),
                        out_dir=page.out_dir_widget.filePath().strip(),
                        result_path=self.state.result_path,
                        result_layer_id=self.state.result_layer_id,
                        before_image=self.state.before_image,
                        after_image=self.state.after_image,
                        previous_result=self.data_page.previous_result())

    def apply_state(self, state: JobState):
        """Show a job in the form, without treating it as an edit."""
        self._restoring = True
        try:
            self.state = state
            self.data_page.show_choices(state.choices)
            self.data_page.set_previous_result(state.previous_result)
            # a zone of the job stays without its layer: the checks then ask for one
            state.choices = {k: v for k, v in state.choices.items() if v.layer_id or v.name}
            page = self.run_page
            page.name_edit.setText(state.name)
            page.rules_widget.setFilePath(state.rules)
            page.min_area_spin.setValue(state.min_area_m2)
            page.out_dir_widget.setFilePath(state.out_dir)
            page.out_dir_widget.lineEdit().setPlaceholderText(default_out_dir(self.project))
        finally:
            self._restoring = False
        self.data_page.changes_step.out_dir = self.out_dir()
        layer = self.project.mapLayer(state.result_layer_id) if state.result_layer_id else None
        self._show_result_layer(layer if isinstance(layer, QgsVectorLayer) else None)
        if self.result_layer is not None:
            self._read_rows()
        else:
            self.results_panel.set_rows(None)

    def out_dir(self):
        return self.state.out_dir or default_out_dir(self.project)

    def _form_changed(self, *_):
        if self._restoring:
            return
        self.state = self.current_state()
        self.data_page.changes_step.out_dir = self.out_dir()
        save_to_project(self.state, self.project)
        remember_defaults(self.state)

    def restore_from_project(self, *_):
        self.apply_state(load_from_project(self.project) or default_state())

    def reset(self):
        if self.task is not None:
            self.cancel()
        self.apply_state(default_state())
        self.run_page.clear()

    def _write_project(self, *_):
        self.save_state()

    def save_state(self):
        """Keep the form's job (and the last result) in the project."""
        self.state = self.current_state()
        save_to_project(self.state, self.project)

    def _layers_removing(self, layer_ids):
        if self.result_layer is not None and self.result_layer.id() in layer_ids:
            self._show_result_layer(None)
            self.results_panel.set_rows(None)

    # ------------------------------------------------------------------ data

    def open_job_file(self, path):
        """Add a job file's layers to the project and show its job; False on a bad file."""
        opened = self.data_page.open_job_file(path)
        if opened is None:
            return False
        job, layers = opened
        state = state_from_job(job, self.project, layers)
        state.out_dir = self.run_page.out_dir_widget.filePath().strip() or state.out_dir
        self.apply_state(state)
        self._form_changed()
        return True

    def recognise_layers(self):
        self.data_page.recognise_layers()

    def check_data(self):
        """Run the pre-run checks and list the problems; True when nothing stops a run.

        Shapefiles QGIS reads in the wrong encoding are switched to the right one first (the
        list says so)."""
        self.data_page.fix_encodings()
        self.state = self.current_state()
        problems = checks.check_job(self.state, self.project)
        self.run_page.show_problems(problems)
        return not any(p.level == checks.ERROR for p in problems)

    # ------------------------------------------------------------------ run

    def run(self):
        """Check the inputs and start the analysis task; False when it cannot start."""
        if self.task is not None:
            return False
        self.tabs.setCurrentIndex(RUN_TAB)
        if not self.check_data():
            errors = sum(1 for i in range(self.run_page.problem_list.count())
                         if self.run_page.problem_list.item(i).data(Qt.ItemDataRole.UserRole)
                         == checks.ERROR)
            self.run_page.show_status(tr(
                "Not started: {0} problems marked in red must be fixed first.").format(errors), 0)
            self.messages.push(tr("Fix the problems marked in red before running."),
                               Qgis.MessageLevel.Warning)
            return False
        try:
            run_dir = new_run_dir(self.out_dir())
            job_data = job_dict(self.state, self.project, os.path.join(run_dir, "inputs"))
        except (OSError, InputError) as error:
            self.run_page.show_status(tr("The analysis cannot start: {0}").format(error), 0)
            self.messages.push(tr("The analysis cannot start."), Qgis.MessageLevel.Critical,
                               detail=str(error))
            return False
        remember_defaults(self.state)
        task = AnalysisTask(tr("Land supervision: patch overlay analysis"), job_data, run_dir)
        task.stepped.connect(self._task_stepped)
        task.done.connect(self._task_done)
        self.task = task
        self.run_page.set_running(True)
        self.run_page.show_status(tr("Starting…"), 0)
        log(tr("Analysis started; output folder {0}").format(run_dir))
        QgsApplication.taskManager().addTask(task)
        return True

    def cancel(self):
        if self.task is not None:
            self.run_page.show_status(tr("Cancelling…"))
            self.task.cancel()

    def _task_stepped(self, fraction, message):
        self.run_page.show_status(message, int(round(100 * fraction)))

    def _task_done(self, task):
        self.task = None
        self.run_page.set_running(False)
        if task.outcome == SUCCEEDED:
            self._run_succeeded(task.result, task.rows)
        elif task.outcome == BAD_INPUT:
            self.run_page.show_status(str(task.error), 0)
            self.run_page.add_problem(checks.ERROR, str(task.error), first=True)
            log(str(task.error), Qgis.MessageLevel.Critical)
            self.messages.push(tr("The analysis stopped on bad input."),
                               Qgis.MessageLevel.Critical, detail=str(task.error))
        elif task.outcome == CANCELLED:
            self.run_page.show_status(tr("Cancelled: nothing was written."), 0)
            log(tr("Cancelled: nothing was written."))
            self.messages.push(tr("Cancelled: nothing was written."), Qgis.MessageLevel.Info)
        elif task.outcome == FAILED:
            self.run_page.show_status(tr("The analysis failed; see the log."), 0)
            log(task.failure, Qgis.MessageLevel.Critical)
            self.messages.push(tr("The analysis failed unexpectedly."),
                               Qgis.MessageLevel.Critical, with_log=True)

    def _run_succeeded(self, result, rows):
        """Show a finished run: the styled layer, the table, the counts. The rows were read
        in the task, so this returns in a fraction of a second even for a county."""
        for line in result.summary_lines():
            log(line, Qgis.MessageLevel.Success)
        for note in result.notes[:LOGGED_NOTES]:
            log(str(note), Qgis.MessageLevel.Warning)
        if len(result.notes) > LOGGED_NOTES:
            log(tr("{0} more notes are in the result's notes table.").format(
                len(result.notes) - LOGGED_NOTES), Qgis.MessageLevel.Warning)
        stamp = os.path.basename(os.path.dirname(result.result_path))
        self.state = self.current_state()
        layer = open_result_layer(result.result_path, result_layer_name(self.state, stamp))
        if not layer.isValid():
            self.messages.push(tr("QGIS cannot open the result."), Qgis.MessageLevel.Critical,
                               detail=result.result_path, with_log=True)
            return
        previous = self.result_layer
        add_result_layer(self.project, layer)
        view = getattr(self.iface, "layerTreeView", lambda: None)()
        QTimer.singleShot(0, lambda: open_legend(view, self.project, layer))
        if previous is not None and self.project.mapLayer(previous.id()) is not None:
            # The previous run's files stay on disk; only its layer leaves the map.
            self.project.removeMapLayer(previous.id())
        self.state.result_path = result.result_path
        self.state.result_layer_id = layer.id()
        save_to_project(self.state, self.project)
        self._show_result_layer(layer)
        self.results_panel.set_rows(rows)
        self.tabs.setCurrentIndex(RESULTS_TAB)
        counts = result.verdicts
        text = tr("{0} patches analysed: {1} illegal, {2} to verify, {3} lawful.").format(
            result.patch_count, counts.get(ILLEGAL, 0), counts.get(CHECK, 0),
            counts.get(LEGAL, 0))
        detail = text
        if result.notes:
            detail += " " + tr("{0} notes on the input are in the log.").format(
                len(result.notes))
        self.run_page.show_status(detail, 100)
        self.messages.push(text, Qgis.MessageLevel.Success, with_log=bool(result.notes))

    # ------------------------------------------------------------------ results

    def _show_result_layer(self, layer):
        self.result_layer = layer
        self.data_page.set_excepted_layers([layer] if layer is not None else [])
        self.update_result_buttons()

    def update_result_buttons(self):
        have_result = bool(self.state.result_path) and os.path.exists(self.state.result_path)
        self.results_page.update_buttons(have_result, self.result_layer is not None,
                                         self.actions.busy())

    def _read_rows(self):
        """Read the result's rows for the table in the background (a restored project, a
        result changed by an import)."""
        path = self.state.result_path
        if not path or not os.path.exists(path) or self.rows_task is not None:
            return
        task = ResultRowsTask(tr("Land supervision: reading the result"), path)
        task.done.connect(self._rows_read)
        self.rows_task = task
        QgsApplication.taskManager().addTask(task)

    def _rows_read(self, task):
        self.rows_task = None
        if task.outcome == SUCCEEDED and task.result_path == self.state.result_path:
            self.results_panel.set_rows(task.result)
        elif task.outcome in (BAD_INPUT, FAILED):
            log(str(task.error or task.failure), Qgis.MessageLevel.Critical)

    def refresh_results(self):
        if self.result_layer is not None:
            self.result_layer.reload()
            self._read_rows()

    def zoom_to_patch(self, fid):
        if self.result_layer is not None:
            zoom_to_feature(self.iface.mapCanvas(), self.result_layer, fid, self.project)

    def open_result_folder(self):
        if self.state.result_path:
            open_path(os.path.dirname(self.state.result_path))

    # ------------------------------------------------------------------ messages

    def show_detail(self, text):
        """A long message in full: in the run page's status area, the dock brought up."""
        self.setVisible(True)
        self.raise_()
        self.tabs.setCurrentIndex(RUN_TAB)
        self.run_page.show_status(text)

    def open_help(self):
        """The bundled help page in the browser, or say plainly that it is not installed."""
        page = help_page()
        if page.is_file():
            open_path(str(page))
            return True
        self.messages.push(tr("The help page is not installed with the plugin."),
                           Qgis.MessageLevel.Warning, detail=tr(
                               "The help page {0} is missing from the plugin folder; install "
                               "the plugin again from its zip.").format(page))
        return False

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
        if self.rows_task is not None:
            task, self.rows_task = self.rows_task, None
            task.done.disconnect(self._rows_read)
        self.actions.close_down()


def new_run_dir(out_dir: str) -> str:
    """A new folder for one run, named by the time it starts: a second run in the same second
    gets ``-2`` and so on, never the folder (and the result) of the first."""
    os.makedirs(out_dir, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        path = os.path.join(out_dir, stamp if n == 1 else f"{stamp}-{n}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
    raise OSError(f"{out_dir}: no new run folder for {stamp}")
