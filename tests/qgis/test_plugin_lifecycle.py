"""The plugin's life in one QGIS session: initGui adds, unload removes, reload leaves one."""

from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QMenu, QToolBar

from plugin import classFactory
from plugin.compat import QAction, tr
from plugin.plugin import (
    ANALYSE_ACTION_OBJECT_NAME,
    ANALYSE_ALGORITHM_ID,
    DOCK_ACTION_OBJECT_NAME,
    MENU_OBJECT_NAME,
    TOOLBAR_OBJECT_NAME,
)
from plugin.processing.provider import PROVIDER_ID

NOTHING = {"menu bar entries": 0, "menus": 0, "toolbars": 0, "actions": 0, "providers": 0}
ONE_OF_EACH = {"menu bar entries": 1, "menus": 1, "toolbars": 1, "actions": 1, "providers": 1}


def _registry():
    return QgsApplication.processingRegistry()


def test_class_factory_adds_nothing_before_init_gui(qgis_iface, footprint):
    classFactory(qgis_iface)

    assert footprint() == NOTHING


def test_init_gui_adds_menu_toolbar_action_and_provider(qgis_iface, english_locale, loaded_plugin,
                                                        footprint):
    assert footprint() == ONE_OF_EACH
    main_window = qgis_iface.mainWindow()
    menu = main_window.findChild(QMenu, MENU_OBJECT_NAME)
    toolbar = main_window.findChild(QToolBar, TOOLBAR_OBJECT_NAME)
    action = main_window.findChild(QAction, ANALYSE_ACTION_OBJECT_NAME)
    dock_action = main_window.findChild(QAction, DOCK_ACTION_OBJECT_NAME)
    assert menu.title() == "Land Supervision"
    assert menu.actions() == [dock_action, action]  # the workspace first
    assert toolbar.actions() == [dock_action, action]
    assert action.text() == "Patch overlay analysis and violation verdict…"
    assert not action.icon().isNull()
    assert _registry().providerById(PROVIDER_ID) is loaded_plugin.provider


def test_menu_goes_before_qgis_help_menu(qgis_iface):
    menu_bar = qgis_iface.mainWindow().menuBar()
    help_menu = QMenu("Help", menu_bar)
    help_menu.setObjectName("mHelpMenu")
    menu_bar.addMenu(help_menu)
    instance = classFactory(qgis_iface)
    instance.initGui()
    try:
        titles = [action.menu().objectName() for action in menu_bar.actions() if action.menu()]
        assert titles[-2:] == [MENU_OBJECT_NAME, "mHelpMenu"]
    finally:
        instance.unload()
        menu_bar.removeAction(help_menu.menuAction())


def test_unload_removes_everything(qgis_iface, footprint):
    instance = classFactory(qgis_iface)
    instance.initGui()
    instance.unload()

    assert footprint() == NOTHING
    assert _registry().algorithmById(ANALYSE_ALGORITHM_ID) is None


def test_load_unload_load_leaves_exactly_one_of_each(qgis_iface, footprint):
    first = classFactory(qgis_iface)
    first.initGui()
    first.unload()
    second = classFactory(qgis_iface)
    second.initGui()
    try:
        assert footprint() == ONE_OF_EACH
        assert _registry().algorithmById(ANALYSE_ALGORITHM_ID) is not None
    finally:
        second.unload()
    assert footprint() == NOTHING


def test_init_processing_then_init_gui_registers_the_provider_once(qgis_iface, footprint):
    instance = classFactory(qgis_iface)
    instance.initProcessing()
    instance.initGui()
    try:
        assert footprint()["providers"] == 1
    finally:
        instance.unload()


def test_algorithm_is_registered_with_icon_and_outputs(loaded_plugin):
    algorithm = _registry().algorithmById(ANALYSE_ALGORITHM_ID)

    assert algorithm is not None
    assert algorithm.provider().id() == PROVIDER_ID
    assert not algorithm.icon().isNull()
    assert algorithm.parameterDefinitions()[0].name() == "PATCHES"
    assert {"OUTPUT", "OVERLAPS", "PATCH_COUNT", "ILLEGAL_COUNT", "CHECK_COUNT"} <= {
        o.name() for o in algorithm.outputDefinitions()}


def test_algorithm_has_english_help(english_locale, loaded_plugin):
    algorithm = _registry().algorithmById(ANALYSE_ALGORITHM_ID)

    assert algorithm.displayName() == "Patch overlay analysis and violation verdict"
    assert "selected features only" in algorithm.shortHelpString()


def test_chinese_locale_shows_chinese_menu_and_help(qgis_iface, chinese_locale, loaded_plugin):
    main_window = qgis_iface.mainWindow()
    algorithm = _registry().algorithmById(ANALYSE_ALGORITHM_ID)

    assert main_window.findChild(QMenu, MENU_OBJECT_NAME).title() == "土地监管"
    assert main_window.findChild(QToolBar, TOOLBAR_OBJECT_NAME).windowTitle() == "土地监管"
    action = main_window.findChild(QAction, ANALYSE_ACTION_OBJECT_NAME)
    assert action.text() == "图斑叠加分析与违法判定…"
    assert algorithm.provider().name() == "土地监管"
    assert algorithm.displayName() == "图斑叠加分析与违法判定"
    assert "仅选中要素" in algorithm.shortHelpString()


def test_unload_removes_the_translator(qgis_iface, chinese_locale):
    instance = classFactory(qgis_iface)
    instance.initGui()
    assert tr("Land Supervision") == "土地监管"

    instance.unload()

    assert tr("Land Supervision") == "Land Supervision"


def test_english_locale_installs_no_translator(compiled_translations, english_locale,
                                               loaded_plugin):
    assert loaded_plugin.translator is None
    assert tr("Land Supervision") == "Land Supervision"


def test_action_opens_the_analyse_algorithm_dialog(qgis_processing, loaded_plugin, qgis_iface,
                                                   monkeypatch):
    from qgis import processing

    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append(alg))

    qgis_iface.mainWindow().findChild(QAction, ANALYSE_ACTION_OBJECT_NAME).trigger()

    assert opened == [ANALYSE_ALGORITHM_ID]


def test_the_analyse_dialog_opens_with_the_patches_not_the_first_layer(
        qgis_processing, loaded_plugin, qgis_iface, qgis_new_project, county, monkeypatch):
    from qgis import processing
    from qgis.core import QgsProject

    from dock_county import SURVEY_NAMES, add_layer

    QgsProject.instance().clear()
    # The administrative layer first and active, as it was when the dialog took it.
    layers = {role: add_layer(county[role], SURVEY_NAMES[role])
              for role in ("admin", "patches", "farmland", "basic_farmland")}
    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append(params))

    loaded_plugin.open_analyse_dialog()

    [parameters] = opened
    assert parameters["PATCHES"] == layers["patches"].id()
    assert parameters["ADMIN"] == layers["admin"].id()
    assert (parameters["PATCH_ID_FIELD"], parameters["BEFORE_FIELD"],
            parameters["AFTER_FIELD"]) == ("JCBH", "QDLBM", "HDLBM")
    assert (parameters["FARMLAND_CLASS_FIELD"], parameters["FARMLAND_CLASSES"]) == ("DLBM", "01*")
    assert (parameters["TOWNSHIP_FIELD"], parameters["VILLAGE_FIELD"]) == ("XZMC", "XZQMC")


def test_the_analyse_dialog_opens_with_the_workspaces_choices(
        qgis_processing, loaded_plugin, qgis_new_project, county_layers, monkeypatch):
    from qgis import processing

    dock = loaded_plugin.dock
    dock.recognise_layers()
    dock.data_page.role_rows["patches"].field_combos["id_field"].setField("QDLBM")
    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog",
                        lambda alg, params: opened.append(params))

    loaded_plugin.open_analyse_dialog()

    assert opened[0]["PATCH_ID_FIELD"] == "QDLBM"
    assert opened[0]["APPROVED"] == county_layers["approved"].id()


def test_processing_builds_a_dialog_for_the_algorithm(qgis_processing, loaded_plugin, qgis_iface,
                                                      monkeypatch):
    from qgis import processing

    # The parameters panel asks QGIS's browser model; pytest-qgis's iface stub has none.
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: None, raising=False)
    dialog = processing.createAlgorithmDialog(ANALYSE_ALGORITHM_ID)
    try:
        assert dialog is not None
        assert dialog.algorithm().id() == ANALYSE_ALGORITHM_ID
        assert {"PATCHES", "OUTPUT", "OVERLAPS"} <= set(dialog.mainWidget().wrappers)
    finally:
        dialog.close()
        dialog.deleteLater()
