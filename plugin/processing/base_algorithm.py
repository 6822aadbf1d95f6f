"""What every algorithm of the provider shares: its group, icon, help page, search keywords,
the optional modules it needs, and a fresh instance; and the previous-batch parameters both
analysing algorithms take."""

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QIcon

from .. import dependencies
from ..compat import FLAG_ADVANCED, NUMBER_DOUBLE, tr
from ..paths import help_page, icon_path

#: Keywords of every algorithm: the toolbox search finds them in either language.
COMMON_TAGS = ("土地监管", "自然资源", "land supervision")
#: An algorithm's own keywords, by its name (the id after ``landsupervision:``).
ALGORITHM_TAGS = {
    "analyselayers": ("图斑", "叠加分析", "违法判定", "卫片执法", "变更调查", "耕地", "永久基本农田",
                      "生态保护红线", "城镇开发边界", "占用面积", "净面积", "权属单位", "重复下发",
                      "上一批次", "patch", "overlay", "verdict", "violation", "farmland",
                      "basic farmland", "red line", "area", "net area", "owner", "batch"),
    "analyse": ("图斑", "叠加分析", "违法判定", "任务文件", "批处理", "重复下发", "上一批次", "patch",
                "overlay", "verdict", "job file", "batch"),
    "exportledger": ("整改台账", "台账", "汇总", "缩略图", "Excel", "ledger", "rectification",
                     "export", "spreadsheet"),
    "importledger": ("导入核查结果", "整改台账", "外业核查", "核查结果", "销号", "ledger", "import",
                     "verification", "field work"),
    "fieldpack": ("外业核查", "核查表", "举证", "影像切片", "奥维", "QField", "KML", "field work",
                  "field verification", "field sheets", "atlas"),
    "derivechanges": ("变化图斑", "变更调查", "地类图斑", "耕地进出平衡", "耕地流出", "两期对比",
                      "耕地保有量", "目标考核", "净面积", "change detection", "land change",
                      "farmland balance", "DLTB", "targets"),
}
#: The job behind each algorithm, for the optional modules it needs.
ALGORITHM_FEATURES = {
    "analyselayers": dependencies.ANALYSE,
    "analyse": dependencies.ANALYSE,
    "exportledger": dependencies.LEDGER_EXPORT,
    "importledger": dependencies.LEDGER_IMPORT,
    "fieldpack": dependencies.FIELDPACK,
    "derivechanges": dependencies.DERIVE_CHANGES,
}


PREVIOUS, PREVIOUS_OVERLAP = "PREVIOUS", "PREVIOUS_OVERLAP"


def previous_parameters():
    """The previous batch's result and the overlap share that makes a patch the same ground."""
    result = QgsProcessingParameterFile(
        PREVIOUS, tr("Previous batch's result (result.gpkg; patches overlapping its patches "
                     "take over their ledger entries)"), extension="gpkg", optional=True)
    share = QgsProcessingParameterNumber(
        PREVIOUS_OVERLAP, tr("Previous batch: overlap share of either patch that makes it the "
                             "same ground"), NUMBER_DOUBLE, defaultValue=0.5, optional=True,
        minValue=0.01, maxValue=1.0)
    share.setFlags(share.flags() | FLAG_ADVANCED)
    return result, share


def previous_batch(algorithm, parameters, context):
    """The job's ``previous`` entry for the parameters; None without a previous result."""
    path = algorithm.parameterAsFile(parameters, PREVIOUS, context)
    if not path:
        return None
    if parameters.get(PREVIOUS_OVERLAP) in (None, ""):
        share = algorithm.parameterDefinition(PREVIOUS_OVERLAP).defaultValue()
    else:
        share = algorithm.parameterAsDouble(parameters, PREVIOUS_OVERLAP, context)
    return {"path": path, "min_overlap": share}


def group_name(group_id: str) -> str:
    """The toolbox group shown for ``group_id`` (literal tr() calls, for the translation)."""
    return {"verification": tr("Patch verification"),
            "ledger": tr("Rectification ledger")}[group_id]


class LandSupervisionAlgorithm(QgsProcessingAlgorithm):
    """Base of the provider's algorithms: a subclass sets ``GROUP_ID`` and ``ICON`` and writes
    the rest of QGIS's algorithm API (name, texts, initAlgorithm, processAlgorithm)."""

    GROUP_ID = "verification"
    ICON = "icon.svg"

    def group(self):
        return group_name(self.GROUP_ID)

    def groupId(self):  # noqa: N802 (QGIS API)
        return self.GROUP_ID

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802 (QGIS API)
        return icon_path(self.ICON)

    def tags(self):
        return list(ALGORITHM_TAGS.get(self.name(), ())) + list(COMMON_TAGS)

    def helpUrl(self):  # noqa: N802 (QGIS API)
        """The algorithm's section of the bundled user guide (a local file: no network)."""
        url = QUrl.fromLocalFile(str(help_page()))
        url.setFragment(self.name())
        return url.toString()

    def canExecute(self):  # noqa: N802 (QGIS API)
        """Refused, with the Chinese report of what to install, when QGIS lacks a module the
        algorithm needs; Processing shows the message instead of running."""
        feature = ALGORITHM_FEATURES.get(self.name())
        missing = dependencies.missing_for(feature) if feature else []
        if missing:
            return False, dependencies.unavailable_text(feature, missing)
        return True, ""

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        # First, as checking some parameters (a rule file) already needs the engine.
        ok, message = self.canExecute()
        if not ok:
            return ok, message
        return super().checkParameterValues(parameters, context)

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        # Every way of running (dialog, processing.run, models, qgis_process) passes here.
        ok, message = self.canExecute()
        if not ok:
            raise QgsProcessingException(message)
        return True

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()
