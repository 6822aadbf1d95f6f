"""The QGIS plugin: menu, toolbars, dock, Processing provider and translator; unload undoes each."""

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QMenu, QToolBar

from . import dependencies
from .bundled import servable_names, stand_ins
from .compat import QAction, tr
from .identity import LOG_TAG
from .paths import icon_path, translation_path
from .processing.provider import PROVIDER_ID, LandSupervisionProvider

ANALYSE_ALGORITHM_ID = f"{PROVIDER_ID}:analyselayers"
MENU_OBJECT_NAME = "landSupervisionMenu"
TOOLBAR_OBJECT_NAME = "landSupervisionToolBar"
ANALYSE_ACTION_OBJECT_NAME = "landSupervisionAnalyseAction"
# The workspace dock: first on the 土地监管 menu and toolbar (and in View > Panels).
DOCK_ACTION_OBJECT_NAME = "landSupervisionDockAction"
# QGIS's own Help menu; ours goes just before it, like other top-level plugin menus.
QGIS_HELP_MENU_OBJECT_NAME = "mHelpMenu"


def ui_language():
    """The language of QGIS's own interface.

    QGIS desktop records the one it chose (``--lang``, the locale override in its options, or
    the system locale) as its translation; without that (tests, some scripts) the locale
    settings decide.
    """
    return QgsApplication.instance().translation() or QgsApplication.locale()


def _discard(qobject):
    """Detach a Qt object from its parent now and delete it once control returns to Qt."""
    qobject.setParent(None)
    qobject.deleteLater()


class LandSupervisionPlugin:
    """Wires the 土地监管 menu and toolbar to the Processing algorithms."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.translator = None
        self.dependency_report = None
        self.menu = None
        self.toolbar = None
        self.actions = []
        self.dock = None
        self.dock_action = None

    def initProcessing(self):  # noqa: N802 (QGIS calls it, also from qgis_process)
        """Install the translator and register the Processing provider (idempotent)."""
        self._install_translator()
        self._report_dependencies()
        if self.provider is not None:
            return
        provider = LandSupervisionProvider()
        # The registry owns (and, on refusal, deletes) the provider: keep it only on success.
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider
        else:
            QgsMessageLog.logMessage(
                tr("A Processing provider with the id {0} is already registered.").format(
                    PROVIDER_ID
                ),
                LOG_TAG,
                Qgis.MessageLevel.Critical,
            )

    def initGui(self):  # noqa: N802 (QGIS API)
        self.initProcessing()
        self._show_missing_modules()
        main_window = self.iface.mainWindow()
        self._add_dock(main_window)

        analyse = QAction(
            QIcon(icon_path("analyse.svg")),
            tr("Patch overlay analysis and violation verdict…"),
            main_window,
        )
        analyse.setObjectName(ANALYSE_ACTION_OBJECT_NAME)
        analyse.triggered.connect(self.open_analyse_dialog)
        self.actions.append(analyse)

        self.menu = QMenu(tr("Land Supervision"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        self.menu.addAction(self.dock_action)
        self.menu.addActions(self.actions)
        menu_bar = main_window.menuBar()
        help_menu = next(
            (
                action
                for action in menu_bar.actions()
                if action.menu() is not None
                and action.menu().objectName() == QGIS_HELP_MENU_OBJECT_NAME
            ),
            None,
        )
        if help_menu is None:
            menu_bar.addMenu(self.menu)
        else:
            menu_bar.insertMenu(help_menu, self.menu)

        self.toolbar = QToolBar(tr("Land Supervision"), main_window)
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self.toolbar.addAction(self.dock_action)
        self.toolbar.addActions(self.actions)
        self.iface.addToolBar(self.toolbar)

    def _report_dependencies(self):
        """Log once which optional modules this QGIS lacks and what that rules out."""
        if self.dependency_report is not None:
            return
        self.dependency_report = dependencies.check()
        bundled = stand_ins(servable_names())
        if bundled:
            QgsMessageLog.logMessage(dependencies.bundled_text(bundled), LOG_TAG,
                                     Qgis.MessageLevel.Info)
        level = Qgis.MessageLevel.Warning if self.dependency_report.problems \
            else Qgis.MessageLevel.Info
        QgsMessageLog.logMessage(self.dependency_report.details(), LOG_TAG, level)

    def _show_missing_modules(self):
        """Tell the analyst in the message bar, with the whole report behind its button: a
        warning that stays while whole features cannot run, a passing note for lesser parts."""
        report = self.dependency_report
        if not report.problems:
            return
        level, duration = (Qgis.MessageLevel.Warning, 0) if report.blocked() \
            else (Qgis.MessageLevel.Info, 15)
        self.iface.messageBar().pushMessage(tr("Land Supervision"), report.summary(),
                                            report.details(), level, duration)

    def _add_dock(self, main_window):
        """The workspace dock, hidden until its button (or View > Panels) opens it."""
        from .gui.dock import LandSupervisionDock

        self.dock = LandSupervisionDock(self.iface, main_window)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock_action = QAction(
            QIcon(icon_path("icon.svg")), tr("Patch verification workspace"), main_window
        )
        self.dock_action.setObjectName(DOCK_ACTION_OBJECT_NAME)
        self.dock_action.setToolTip(
            tr("Open the workspace: choose the layers, run the analysis, go through the results")
        )
        self.dock.setToggleVisibilityAction(self.dock_action)

    def unload(self):
        main_window = self.iface.mainWindow()
        if self.dock is not None:
            self.dock.close_down()
            main_window.removeDockWidget(self.dock)
            _discard(self.dock)
            self.dock = None
        if self.dock_action is not None:
            _discard(self.dock_action)
            self.dock_action = None
        if self.menu is not None:
            main_window.menuBar().removeAction(self.menu.menuAction())
            _discard(self.menu)
            self.menu = None
        if self.toolbar is not None:
            main_window.removeToolBar(self.toolbar)
            _discard(self.toolbar)
            self.toolbar = None
        for action in self.actions:
            _discard(action)
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None

    def open_analyse_dialog(self):
        """Show the Processing dialog of the analyse algorithm, filled in with the workspace's
        layers (or the project's, recognised by name)."""
        from qgis import processing
        from qgis.core import QgsProject

        from .gui.analyse_dialog import analyse_parameters, left_out, rules_parameter

        # The Processing plugin adds execAlgorithmDialog to qgis.processing when it loads.
        if not hasattr(processing, "execAlgorithmDialog"):
            self.iface.messageBar().pushMessage(
                tr("Land Supervision"),
                tr("Enable the Processing plugin to run the analysis."),
                level=Qgis.MessageLevel.Critical,
            )
            return
        state = self.dock.current_state() if self.dock is not None else None
        parameters = analyse_parameters(state.choices if state else {}, QgsProject.instance())
        if rules_parameter(state):
            parameters["RULES"] = rules_parameter(state)
        missing = left_out(state)
        if missing:  # never dropped silently: the workspace's run takes them
            self.iface.messageBar().pushMessage(
                tr("Land Supervision"),
                tr("This dialog has no place for the workspace's {}: they are not part of a "
                   "run from here. Run the analysis from the workspace to include them.").format(
                    "; ".join(missing)),
                level=Qgis.MessageLevel.Warning, duration=0)
        processing.execAlgorithmDialog(ANALYSE_ALGORITHM_ID, parameters)

    def _install_translator(self):
        """Load the zh_CN translation when QGIS runs in Chinese (idempotent)."""
        if self.translator is not None or not ui_language().lower().startswith("zh"):
            return
        translator = QTranslator()
        if translator.load(str(translation_path("zh_CN"))):
            QCoreApplication.installTranslator(translator)
            self.translator = translator
