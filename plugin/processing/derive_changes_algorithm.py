"""两期地类图斑变化提取与耕地进出平衡: the change patches between two survey years and the
farmland balance sheet, from QGIS layers (the command line's ``derive-changes``)."""

import shutil
import tempfile

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
)

from ..compat import FLAG_ADVANCED, NUMBER_DOUBLE, SOURCE_TYPE_VECTOR_POLYGON, tr
from ..qgis_io.algorithm_inputs import layer_entries
from ..qgis_io.engine_run import core_errors, progress_callback
from ..qgis_io.result_styles import CHANGES_STYLE, style_on_load
from .base_algorithm import LandSupervisionAlgorithm

#: The engine's layer roles, as its messages name them.
ROLE_NAMES = {"BEFORE": "前一年度", "AFTER": "本年度", "ADMIN": "行政区",
              "BASIC_FARMLAND": "永久基本农田", "RED_LINE": "生态保护红线"}
ADVANCED = {"LOCATION_FIELD", "SLIVER_RATIO", "SLIVER_WIDTH"}


def _layer_roles():
    """(parameter, label, optional) of every input layer."""
    return [
        ("BEFORE", tr("Land parcels of the earlier year (DLTB)"), False),
        ("AFTER", tr("Land parcels of the later year (DLTB)"), False),
        ("BASIC_FARMLAND", tr("Permanent basic farmland (optional)"), True),
        ("RED_LINE", tr("Ecological protection red line (optional)"), True),
        ("ADMIN", tr("Administrative units (optional; else the location codes)"), True),
    ]


class DeriveChangesAlgorithm(LandSupervisionAlgorithm):
    """Compare two survey years: change patches, slivers, the farmland balance sheet."""

    GROUP_ID = "verification"

    CLASS_FIELD = "CLASS_FIELD"
    CLASS_NAMES = "CLASS_NAMES"
    TARGETS = "TARGETS"
    LOCATION_FIELD = "LOCATION_FIELD"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    VILLAGE_FIELD = "VILLAGE_FIELD"
    MIN_AREA = "MIN_AREA"
    SLIVER_RATIO = "SLIVER_RATIO"
    SLIVER_WIDTH = "SLIVER_WIDTH"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    CHANGES = "CHANGES"
    DROPPED = "DROPPED"
    BALANCE_XLSX = "BALANCE_XLSX"
    BALANCE_CHART = "BALANCE_CHART"
    CHANGE_COUNT = "CHANGE_COUNT"
    DROPPED_COUNT = "DROPPED_COUNT"

    def name(self):
        return "derivechanges"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Change patches from two survey years and farmland balance")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Compares the land parcels (DLTB) of two survey years and writes every place "
            "whose land class changed as a change patch, with its class before and after, "
            "area (ellipsoidal, CGCS2000, m² and mu), township and village.</p>"
            "<p>Parcels identical in both years are matched first and never overlaid. Slivers "
            "from boundary noise (smaller than the smallest area, or thin and narrow) are left "
            "out of the change patches and kept in their own layer, counted, never silently "
            "lost.</p>"
            "<p><b>Outputs</b> in the output folder: <i>changes.gpkg</i> (layers changes and "
            "dropped), the farmland balance sheet <i>balance.xlsx</i> (耕地进出平衡表, per "
            "township: farmland lost by destination, gained by source, net change) and its "
            "chart <i>balance.png</i>. The change patches are loaded styled by farmland flow "
            "and are ready for <i>Patch overlay analysis and violation verdict</i> (patch "
            "number change_id, classes from_class and to_class).</p>"
            "<p><b>Permanent basic farmland</b> and <b>ecological protection red line</b> add "
            "their own rows to the balance sheet. Townships and villages come from the "
            "location codes (ZLDWDM) unless an administrative layer is given.</p>"
            "<p>Where both years carry the deduction fields (KCXS, TBDLMJ/TBMJ) the workbook "
            "also holds the sheet in net area (after the 田坎 deduction), its start and end "
            "equal to the sum of TBDLMJ. <b>Targets</b> (optional): a table (CSV or Excel) of "
            "each township's 耕地保有量 and 永久基本农田保护 targets in mu; the net sheet then "
            "shows target, end, surplus or shortfall and whether the target is met.</p>")

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        for param, label, optional in _layer_roles():
            self._add(QgsProcessingParameterFeatureSource(
                param, label, [SOURCE_TYPE_VECTOR_POLYGON], optional=optional))
            if param == "BEFORE":
                # Optional only so that a call without it takes the default: an empty value
                # is read as DLBM.
                self._add(QgsProcessingParameterField(
                    self.CLASS_FIELD, tr("Land-class field (in both years)"), defaultValue="DLBM",
                    parentLayerParameterName="BEFORE", optional=True))
                self._add(QgsProcessingParameterBoolean(
                    self.CLASS_NAMES, tr("The class field holds land-class names (DLMC, 二调 "
                                         "names), not codes"), defaultValue=False,
                    optional=True))
                self._add(QgsProcessingParameterField(
                    self.LOCATION_FIELD, tr("Location code field (township and village)"),
                    defaultValue="ZLDWDM", parentLayerParameterName="BEFORE", optional=True))
            if param == "ADMIN":
                for key, text in ((self.TOWNSHIP_FIELD, tr("Township name field")),
                                  (self.VILLAGE_FIELD, tr("Village name field"))):
                    self._add(QgsProcessingParameterField(
                        key, text, parentLayerParameterName="ADMIN", optional=True))
        self._add(QgsProcessingParameterFile(
            self.TARGETS, tr("Townships' protection targets (CSV or Excel, mu; optional)"),
            fileFilter=tr("Target tables (*.csv *.xlsx)"), optional=True))
        self._add(QgsProcessingParameterNumber(
            self.MIN_AREA, tr("Smallest change patch (m²)"), NUMBER_DOUBLE, defaultValue=1.0,
            minValue=0.0))
        self._add(QgsProcessingParameterNumber(
            self.SLIVER_RATIO, tr("Slivers: compactness 4πA/P² below"), NUMBER_DOUBLE,
            defaultValue=0.05, minValue=0.0, maxValue=1.0))
        self._add(QgsProcessingParameterNumber(
            self.SLIVER_WIDTH, tr("Slivers: and mean width below (m)"), NUMBER_DOUBLE,
            defaultValue=0.5, minValue=0.0))
        self._add(QgsProcessingParameterFolderDestination(
            self.OUTPUT_FOLDER, tr("Output folder")))
        self.addOutput(QgsProcessingOutputVectorLayer(self.CHANGES, tr("Change patches")))
        self.addOutput(QgsProcessingOutputVectorLayer(self.DROPPED, tr("Dropped slivers")))
        self.addOutput(QgsProcessingOutputFile(self.BALANCE_XLSX,
                                               tr("Farmland balance sheet (Excel)")))
        self.addOutput(QgsProcessingOutputFile(self.BALANCE_CHART,
                                               tr("Farmland balance chart (PNG)")))
        self.addOutput(QgsProcessingOutputNumber(self.CHANGE_COUNT, tr("Change patches")))
        self.addOutput(QgsProcessingOutputNumber(self.DROPPED_COUNT, tr("Dropped slivers")))

    def _add(self, parameter):
        if parameter.name() in ADVANCED:
            parameter.setFlags(parameter.flags() | FLAG_ADVANCED)
        self.addParameter(parameter)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        from ..core.changes.derive import derive_changes

        out = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        work = tempfile.mkdtemp(prefix="land_supervision_", dir=QgsProcessingUtils.tempFolder())
        try:
            specs, options, share = self._inputs(parameters, context, feedback, work)
            with core_errors():
                result = derive_changes(specs["BEFORE"], specs["AFTER"], out, options,
                                        progress=progress_callback(feedback, share, 1.0 - share),
                                        cancelled=feedback.isCanceled)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for note in result.notes:
            feedback.pushWarning(str(note))
        for line in result.summary_lines()[:-1]:
            feedback.pushInfo(line)
        changes = f"{result.result_path}|layername=changes"
        dropped = f"{result.result_path}|layername=dropped"
        self._load(context, changes, tr("Change patches"), self.CHANGES)
        paths = dict(zip(("xlsx", "png"), result.balance_paths))
        return {self.CHANGES: changes, self.DROPPED: dropped,
                self.BALANCE_XLSX: paths.get("xlsx"), self.BALANCE_CHART: paths.get("png"),
                self.CHANGE_COUNT: result.change_count,
                self.DROPPED_COUNT: result.dropped_count, self.OUTPUT_FOLDER: out}

    def _inputs(self, parameters, context, feedback, work):
        """({role parameter: LayerSpec}, ChangeOptions, share of the bar used by copies)."""
        from ..core.changes.derive import ChangeOptions
        from ..core.job import LayerSpec

        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context) or "DLBM"
        fields = {"BEFORE": {"class": class_field}, "ADMIN": {}}
        location = self.parameterAsString(parameters, self.LOCATION_FIELD, context)
        if location:
            fields["BEFORE"]["location"] = location
        for key, param in (("township_field", self.TOWNSHIP_FIELD),
                           ("village_field", self.VILLAGE_FIELD)):
            value = self.parameterAsString(parameters, param, context)
            if value:
                fields["ADMIN"][key] = value
        layers = [(param, label, ROLE_NAMES[param]) for param, label, _optional in _layer_roles()]
        entries, share = layer_entries(self, parameters, context, feedback, layers, fields,
                                       work)
        names = self.parameterAsBoolean(parameters, self.CLASS_NAMES, context)
        specs = {param: LayerSpec(role=ROLE_NAMES[param], path=entry["path"],
                                  layer=entry.get("layer"), encoding=entry.get("encoding"),
                                  crs=entry.get("crs"),
                                  class_values="names" if names and param in ("BEFORE", "AFTER")
                                  else "codes")
                 for param, entry in entries.items()}
        admin = specs.get("ADMIN")
        if admin is not None:
            admin.extra = dict(fields["ADMIN"])
        options = ChangeOptions(
            class_field=fields["BEFORE"]["class"],
            location_field=fields["BEFORE"].get("location", ""),
            min_area_m2=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            sliver_ratio=self.parameterAsDouble(parameters, self.SLIVER_RATIO, context),
            sliver_width_m=self.parameterAsDouble(parameters, self.SLIVER_WIDTH, context),
            admin=admin,
            targets=self.parameterAsFile(parameters, self.TARGETS, context) or None,
            protected={key: (specs[param],) for key, param in (
                ("basic_farmland", "BASIC_FARMLAND"), ("red_line", "RED_LINE"))
                if param in specs})
        return specs, options, share

    @staticmethod
    def _load(context, uri, name, output):
        """Load a layer of the result when the algorithm finishes, styled."""
        details = QgsProcessingContext.LayerDetails(name, context.project(), output)
        context.addLayerToLoadOnCompletion(uri, details)
        style_on_load(context, uri, CHANGES_STYLE)
