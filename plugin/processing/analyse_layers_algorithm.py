"""图斑叠加分析与违法判定: overlay patch layers on baseline layers and give each patch a verdict.

Inputs are any QGIS vector layers (files, memory, PostGIS, selections); see layer_inputs for
how they reach the engine.
"""

import os
import shutil
import tempfile

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..compat import (
    FLAG_ADVANCED,
    GEOMETRY_POLYGON,
    GEOMETRY_UNKNOWN,
    NUMBER_DOUBLE,
    SOURCE_TYPE_VECTOR_POLYGON,
    tr,
)
from .base_algorithm import LandSupervisionAlgorithm, previous_batch, previous_parameters
from ..qgis_io.engine_run import cancelled_message, core_errors, run_engine
from ..qgis_io.algorithm_inputs import given, layer_entries
from ..qgis_io.result_styles import OVERLAPS_STYLE, PATCHES_STYLE, style_on_load

def _layer_roles():
    """(parameter, job section, job key, label) of every input layer, patches first.

    The job section and key are the engine's job-dict vocabulary (plugin.core.job).
    """
    return [
        ("PATCHES", "patches", None, tr("Monitoring patches")),
        ("FARMLAND", "baselines", "farmland", tr("Farmland (land-parcel layer, e.g. DLTB)")),
        ("BASIC_FARMLAND", "baselines", "basic_farmland", tr("Permanent basic farmland")),
        ("RED_LINE", "baselines", "red_line", tr("Ecological protection red line")),
        ("URBAN_BOUNDARY", "baselines", "urban_boundary", tr("Urban development boundary")),
        ("APPROVED", "exemptions", "approved", tr("Approved land use (conversion, supply)")),
        ("FACILITY_AGRI", "exemptions", "facility_agri", tr("Facility-agriculture filings")),
        ("TEMPORARY", "exemptions", "temporary", tr("Temporary land use")),
        ("ADMIN", "admin", None, tr("Administrative units (townships, villages)")),
        ("PARCELS_BEFORE", "parcels_before", None,
         tr("Previous year's land parcels (before class where patches have none)")),
    ]


def _field_roles():
    """(parameter, layer parameter, job key, label, default) of every field picker.

    The job key ``where`` is the farmland class filter's field (values in FARMLAND_CLASSES).
    """
    return [
        ("PATCH_ID_FIELD", "PATCHES", "id_field", tr("Patch number field (e.g. JCBH)"), None),
        ("BEFORE_FIELD", "PATCHES", "before_field",
         tr("Land class before (field with DLBM codes)"), None),
        ("AFTER_FIELD", "PATCHES", "after_field",
         tr("Land class now (field with DLBM codes)"), None),
        ("FARMLAND_CLASS_FIELD", "FARMLAND", "where",
         tr("Farmland layer: land-class field (empty: every feature is farmland)"), "DLBM"),
        ("APPROVED_ID_FIELD", "APPROVED", "id_field",
         tr("Approved land use: approval number field"), None),
        ("FACILITY_AGRI_ID_FIELD", "FACILITY_AGRI", "id_field",
         tr("Facility agriculture: filing number field"), None),
        ("TEMPORARY_ID_FIELD", "TEMPORARY", "id_field",
         tr("Temporary land use: approval number field"), None),
        ("TOWNSHIP_FIELD", "ADMIN", "township_field",
         tr("Administrative units: township name field"), None),
        ("VILLAGE_FIELD", "ADMIN", "village_field",
         tr("Administrative units: village name field"), None),
        ("PARCELS_BEFORE_CLASS_FIELD", "PARCELS_BEFORE", "class_field",
         tr("Previous year's parcels: land-class field"), "DLBM"),
    ]


#: Parameters shown under "Advanced parameters" in the dialog.
ADVANCED = {"PARCELS_BEFORE", "PARCELS_BEFORE_CLASS_FIELD", "CRS", "RESULT_GPKG"}


def parse_codes(text):
    """Class codes from a text such as ``0101, 0102 0103`` or ``01*`` (a prefix), as strings."""
    return [code for code in (text or "").replace(",", " ").replace("，", " ").split() if code]


class AnalyseLayersAlgorithm(LandSupervisionAlgorithm):
    """Overlay a patch layer on baseline and exemption layers and give each patch a verdict."""

    GROUP_ID = "verification"
    ICON = "analyse.svg"

    FARMLAND_CLASSES = "FARMLAND_CLASSES"
    CLASS_NAMES = "CLASS_NAMES"
    RULES = "RULES"
    MIN_AREA = "MIN_AREA"
    CRS = "CRS"
    OUTPUT = "OUTPUT"
    OVERLAPS = "OVERLAPS"
    PARCEL_HITS = "PARCEL_HITS"
    RESULT_GPKG = "RESULT_GPKG"
    PATCH_COUNT = "PATCH_COUNT"
    ILLEGAL_COUNT = "ILLEGAL_COUNT"
    CHECK_COUNT = "CHECK_COUNT"

    def name(self):
        return "analyselayers"

    def displayName(self):  # noqa: N802 (QGIS API)
        return tr("Patch overlay analysis and violation verdict")

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return tr(
            "<p>Overlays the monitoring patches on the baselines (permanent basic farmland, "
            "farmland, ecological protection red line, urban development boundary) and the "
            "exemptions (approved land use, facility-agriculture filings, temporary land use), "
            "and gives every patch a verdict (illegal, legal, to verify, below the mapping "
            "area) with the rule that decided it, the suggested measure and its reasons.</p>"
            "<p>Any vector layer works: files, memory layers, PostGIS, and "
            "<i>selected features only</i>. Every field of the patches is kept in the result. "
            "Areas are ellipsoidal (CGCS2000), as in the official survey; layers are brought "
            "into one Gauss-Kruger zone chosen from the patches unless a working CRS is "
            "given. Invalid geometries are repaired and reported, not skipped.</p>"
            "<p><b>Farmland</b>: give the land-parcel layer and its class field with the "
            "farmland codes (01* = every code starting with 01), or a layer holding only "
            "farmland with the class field cleared. Where it carries the deduction fields "
            "(KCXS, TBDLMJ/TBMJ) each patch also gets its net farmland area (after the 田坎 "
            "deduction), and where it carries owners (QSDWMC) its owner collective.</p>"
            "<p><b>Class fields hold names</b>: tick when the patches carry land-class names "
            "(DLMC, or older 二调 names such as 有林地, 村庄) instead of codes.</p>"
            "<p><b>Previous batch's result</b>: patches overlapping a patch of the previous "
            "batch by at least half of either are marked as sent again and take over its "
            "ledger entries.</p>"
            "<p><b>Outputs</b>: the patches with their verdicts, the overlaps (the part of "
            "each patch inside each baseline and exemption), styled by verdict and violation "
            "type when loaded, and the parcels behind each overlap (number, class, location and "
            "owner units, gross and net area). Optionally the full result GeoPackage, which "
            "also holds the run information and the engine's notes.</p>"
        )

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        fields = {param: (parent, label, default)
                  for param, parent, _key, label, default in _field_roles()}
        for param, _section, _key, label in _layer_roles():
            self._add(QgsProcessingParameterFeatureSource(
                param, label, [SOURCE_TYPE_VECTOR_POLYGON], optional=param != "PATCHES"))
            for field_param, (parent, field_label, default) in fields.items():
                if parent == param:
                    self._add(QgsProcessingParameterField(
                        field_param, field_label, defaultValue=default,
                        parentLayerParameterName=parent, optional=True))
            if param == "PATCHES":
                self._add(QgsProcessingParameterBoolean(
                    self.CLASS_NAMES, tr("The class fields hold land-class names (DLMC, 二调 "
                                         "names), not codes"), defaultValue=False,
                    optional=True))
            if param == "FARMLAND":
                self._add(QgsProcessingParameterString(
                    self.FARMLAND_CLASSES,
                    tr("Farmland layer: farmland class codes (01* = every code starting 01)"),
                    defaultValue="01*", optional=True))
        self._add(QgsProcessingParameterFile(
            self.RULES, tr("Rule set (YAML; empty: the default county rules)"),
            extension="yaml", optional=True))
        self._add(QgsProcessingParameterNumber(
            self.MIN_AREA, tr("Smallest overlap counted (m²)"), NUMBER_DOUBLE,
            defaultValue=1.0, minValue=0.0))
        for parameter in previous_parameters():
            self.addParameter(parameter)
        self._add(QgsProcessingParameterCrs(
            self.CRS, tr("Working CRS (projected; empty: the Gauss-Kruger zone of the patches)"),
            optional=True))
        self._add(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Patches with verdicts"), SOURCE_TYPE_VECTOR_POLYGON))
        self._add(QgsProcessingParameterFeatureSink(
            self.OVERLAPS, tr("Overlaps"), SOURCE_TYPE_VECTOR_POLYGON, optional=True,
            createByDefault=True))
        self._add(QgsProcessingParameterFeatureSink(
            self.PARCEL_HITS, tr("Parcels behind each overlap"), SOURCE_TYPE_VECTOR_POLYGON,
            optional=True, createByDefault=True))
        self._add(QgsProcessingParameterFileDestination(
            self.RESULT_GPKG, tr("Full result GeoPackage (with run information and notes)"),
            tr("GeoPackage (*.gpkg)"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.PATCH_COUNT, tr("Number of patches")))
        self.addOutput(QgsProcessingOutputNumber(self.ILLEGAL_COUNT, tr("Illegal patches")))
        self.addOutput(QgsProcessingOutputNumber(self.CHECK_COUNT, tr("Patches to verify")))

    def _add(self, parameter):
        if parameter.name() in ADVANCED:
            parameter.setFlags(parameter.flags() | FLAG_ADVANCED)
        self.addParameter(parameter)

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        problem = self._problem(parameters, context)
        return (False, problem) if problem else (True, "")

    def _problem(self, parameters, context):
        """The first thing wrong with the parameters, in words naming layer and field; or None."""
        sources = {}
        for param, _section, _key, label in _layer_roles():
            if not given(parameters, param):
                continue
            source = self.parameterAsSource(parameters, param, context)
            if source is None:
                return tr("Could not open the layer given as {0}.").format(label)
            name = source.sourceName()
            if not source.sourceCrs().isValid():
                return tr("Layer {0} ({1}) has no coordinate reference system: set its CRS in "
                          "the layer properties first.").format(name, label)
            geometry = QgsWkbTypes.geometryType(source.wkbType())
            if geometry not in (GEOMETRY_POLYGON, GEOMETRY_UNKNOWN):
                return tr("Layer {0} ({1}) holds {2} geometries: the analysis needs polygons."
                          ).format(name, label, QgsWkbTypes.displayString(source.wkbType()))
            sources[param] = source
        for param, parent, _key, label, _default in _field_roles():
            field = self.parameterAsString(parameters, param, context)
            source = sources.get(parent)
            if field and source is not None and source.fields().indexFromName(field) < 0:
                return tr("Layer {0} has no field {1} (chosen as: {2}). Its fields: {3}").format(
                    source.sourceName(), field, label, ", ".join(source.fields().names()))
        if "FARMLAND" in sources and self.parameterAsString(
                parameters, "FARMLAND_CLASS_FIELD", context):
            codes = parse_codes(self.parameterAsString(parameters, self.FARMLAND_CLASSES, context))
            if not codes:
                return tr("Layer {0}: give the farmland class codes (such as 01*), or clear the "
                          "land-class field to count every feature as farmland.").format(
                              sources["FARMLAND"].sourceName())
        if "ADMIN" in sources and not (
                self.parameterAsString(parameters, "TOWNSHIP_FIELD", context)
                or self.parameterAsString(parameters, "VILLAGE_FIELD", context)):
            return tr("Layer {0} (administrative units): choose its township or village field."
                      ).format(sources["ADMIN"].sourceName())
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        if crs.isValid() and crs.isGeographic():
            return tr("The working CRS {0} is geographic: choose a projected CRS (a "
                      "Gauss-Kruger zone) or leave it empty.").format(crs.authid())
        rules = self.parameterAsFile(parameters, self.RULES, context)
        if rules:
            from ..core.rules.classes import load_class_table
            from ..core.errors import InputError
            from ..core.rules.schema import load_ruleset

            try:
                load_ruleset(rules, load_class_table())
            except InputError as error:
                return str(error)
        return None

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        problem = self._problem(parameters, context)
        if problem:
            raise QgsProcessingException(problem)
        work = tempfile.mkdtemp(prefix="land_supervision_", dir=QgsProcessingUtils.tempFolder())
        try:
            job, copied_share = self._job(parameters, context, feedback, work)
            result = run_engine(job, os.path.join(work, "out"), feedback,
                                start=copied_share, span=1.0 - copied_share)
            outputs = self._outputs(parameters, context, feedback, result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return outputs

    def _job(self, parameters, context, feedback, work):
        """(the engine's Job for the parameters, share of the progress bar used so far).

        Layers the engine cannot read directly are copied to GeoPackages in ``work`` first.
        """
        from ..core.job import ROLE_NAMES, job_from_dict

        fields = {}
        for param, parent, key, _label, _default in _field_roles():
            value = self.parameterAsString(parameters, param, context)
            if value:
                fields.setdefault(parent, {})[key] = value
        layers = [(param, label, ROLE_NAMES[key or section])
                  for param, section, key, label in _layer_roles()]
        entries, copied_share = layer_entries(self, parameters, context, feedback, layers,
                                              fields, work)

        data = {"min_area_m2": self.parameterAsDouble(parameters, self.MIN_AREA, context)}
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        data["crs"] = (crs.authid() or crs.toWkt()) if crs.isValid() else "auto"
        rules = self.parameterAsFile(parameters, self.RULES, context)
        if rules:
            data["rules"] = rules
        previous = previous_batch(self, parameters, context)
        if previous:
            data["previous"] = previous
        for param, section, key, _label in _layer_roles():
            if param not in entries:
                continue
            entry = dict(entries[param])
            extra = dict(fields.get(param, {}))
            class_field = extra.pop("where", None)
            if class_field:
                codes = parse_codes(
                    self.parameterAsString(parameters, self.FARMLAND_CLASSES, context))
                entry["where"] = {class_field: codes}
            entry.update(extra)
            if param == "PATCHES" and self.parameterAsBoolean(parameters, self.CLASS_NAMES,
                                                               context):
                entry["class_values"] = "names"
            if key is None:
                data[section] = entry
            else:
                data.setdefault(section, {})[key] = entry
        with core_errors():
            return job_from_dict(data, base_dir=work), copied_share

    def _outputs(self, parameters, context, feedback, result):
        from ..core.rules.terms import CHECK, ILLEGAL

        outputs = {
            self.PATCH_COUNT: result.patch_count,
            self.ILLEGAL_COUNT: result.verdicts.get(ILLEGAL, 0),
            self.CHECK_COUNT: result.verdicts.get(CHECK, 0),
        }
        for param, layer_name, style in ((self.OUTPUT, "patches", PATCHES_STYLE),
                                         (self.OVERLAPS, "overlaps", OVERLAPS_STYLE),
                                         (self.PARCEL_HITS, "parcel_hits", None)):
            dest_id = self._copy_to_sink(parameters, param, context, feedback,
                                         result.result_path, layer_name)
            if dest_id is not None:
                outputs[param] = dest_id
                if style is not None:
                    style_on_load(context, dest_id, style)
        gpkg = self.parameterAsFileOutput(parameters, self.RESULT_GPKG, context)
        if gpkg:
            os.makedirs(os.path.dirname(os.path.abspath(gpkg)), exist_ok=True)
            shutil.copyfile(result.result_path, gpkg)
            outputs[self.RESULT_GPKG] = gpkg
        return outputs

    def _copy_to_sink(self, parameters, param, context, feedback, gpkg, layer_name):
        """Copy one layer of the engine's GeoPackage into a sink parameter; its dest id or None."""
        layer = QgsVectorLayer(f"{gpkg}|layername={layer_name}", layer_name, "ogr")
        if not layer.isValid() and param == self.PARCEL_HITS:
            feedback.pushInfo(tr("No farmland or basic-farmland parcel layer with survey "
                                 "attributes was given: no parcels behind the overlaps."))
            return None
        if not layer.isValid():
            raise QgsProcessingException(
                tr("The engine's result has no layer {0}.").format(layer_name))
        sink, dest_id = self.parameterAsSink(parameters, param, context, layer.fields(),
                                             layer.wkbType(), layer.crs())
        if sink is None:
            if param == self.OUTPUT:
                raise QgsProcessingException(self.invalidSinkError(parameters, param))
            return None
        for feature in layer.getFeatures():
            if feedback.isCanceled():
                raise QgsProcessingException(cancelled_message())
            if not sink.addFeature(feature):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, param))
        del sink  # flushes a file sink
        return dest_id
