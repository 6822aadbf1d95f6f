"""The analyse algorithm run through Processing on the real engine."""

from pathlib import Path

import pytest
from osgeo import ogr, osr
from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer

from dock_county import square

ANALYSE_ALGORITHM_ID = "landsupervision:analyse"  # the job-file algorithm

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_JOB = REPO_ROOT / "resources" / "demo" / "job.yaml"
DEMO_PATCHES = DEMO_JOB.parent / "data" / "jctb.gpkg"
EPSG = 4529


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps what the algorithm reports, as the Processing dialog would show it."""

    def __init__(self):
        super().__init__()
        self.warnings, self.infos, self.progress = [], [], []
        self.progressChanged.connect(self.progress.append)

    def pushWarning(self, warning):  # noqa: N802 (QGIS API)
        self.warnings.append(warning)
        super().pushWarning(warning)

    def pushInfo(self, info):  # noqa: N802 (QGIS API)
        self.infos.append(info)
        super().pushInfo(info)


def _write_gpkg(path, layer_name, field_name, features):
    """A GeoPackage polygon layer in EPSG:4529 with one text field: [(value, geometry)]."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer(layer_name, srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn(field_name, ogr.OFTString))
    for value, geometry in features:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField(field_name, value)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    ds = None


@pytest.fixture()
def small_job(tmp_path):
    """Three monitoring patches, one half on farmland, one clear of it, one with a repeated id."""
    data = tmp_path / "data"
    data.mkdir()
    _write_gpkg(data / "jctb.gpkg", "JCTB", "JCBH", [
        ("JC001", square(0, 0, 100)),
        ("JC002", square(500, 0, 100)),
        ("JC002", square(1000, 0, 50)),
    ])
    _write_gpkg(data / "dltb.gpkg", "DLTB", "DLBM", [
        ("0101", square(50, -100, 300)),
        ("0702", square(400, -100, 800)),
    ])
    job = tmp_path / "job.yaml"
    job.write_text(
        "patches: {path: data/jctb.gpkg, layer: JCTB, id_field: JCBH}\n"
        "baselines:\n"
        '  farmland: {path: data/dltb.gpkg, layer: DLTB, where: {DLBM: ["01*"]}}\n',
        encoding="utf-8",
    )
    return job


def _patches(gpkg):
    layer = QgsVectorLayer(f"{gpkg}|layername=patches", "patches", "ogr")
    assert layer.isValid()
    return {f["patch_id"]: f for f in layer.getFeatures()}


def test_analyse_writes_one_result_patch_per_input_patch(qgis_processing, loaded_plugin,
                                                         small_job, tmp_path):
    from qgis import processing

    feedback = RecordingFeedback()
    results = processing.run(
        ANALYSE_ALGORITHM_ID,
        {"JOB": str(small_job), "OUTPUT_FOLDER": str(tmp_path / "out")},
        feedback=feedback,
    )

    assert Path(results["OUTPUT_GPKG"]) == tmp_path / "out" / "result.gpkg"
    assert results["OUTPUT_FOLDER"] == str(tmp_path / "out")
    patches = _patches(results["OUTPUT_GPKG"])
    assert len(patches) == 3
    assert patches["JC001"]["farmland_m2"] > 0
    assert patches["JC002"]["farmland_m2"] == 0
    patch_layer = QgsVectorLayer(results["PATCHES"], "patches", "ogr")
    assert patch_layer.isValid() and patch_layer.featureCount() == 3
    assert feedback.progress[-1] == pytest.approx(100.0)
    assert any(results["OUTPUT_GPKG"] in line for line in feedback.infos)  # the summary


def test_engine_notes_become_processing_warnings(qgis_processing, loaded_plugin, small_job,
                                                 tmp_path):
    from qgis import processing

    feedback = RecordingFeedback()
    processing.run(
        ANALYSE_ALGORITHM_ID,
        {"JOB": str(small_job), "OUTPUT_FOLDER": str(tmp_path / "out")},
        feedback=feedback,
    )

    assert any("JC002" in warning for warning in feedback.warnings)


def test_bad_job_file_fails_with_the_engine_message(qgis_processing, loaded_plugin, tmp_path):
    from qgis import processing

    job = tmp_path / "job.yaml"
    job.write_text("patches: {path: data/jctb.gpkg}\nbaseline: {}\n", encoding="utf-8")

    with pytest.raises(QgsProcessingException, match="未知的键"):
        processing.run(ANALYSE_ALGORITHM_ID,
                       {"JOB": str(job), "OUTPUT_FOLDER": str(tmp_path / "out")})
    assert not (tmp_path / "out" / "result.gpkg").exists()


def test_cancel_stops_the_analysis_and_writes_nothing(qgis_processing, english_locale,
                                                      loaded_plugin, small_job, tmp_path):
    from qgis import processing

    feedback = RecordingFeedback()
    feedback.cancel()

    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run(ANALYSE_ALGORITHM_ID,
                       {"JOB": str(small_job), "OUTPUT_FOLDER": str(tmp_path / "out")},
                       feedback=feedback)
    assert not (tmp_path / "out" / "result.gpkg").exists()


@pytest.mark.skipif(not DEMO_PATCHES.exists(),
                    reason="the demo county's data (resources/demo/data) is not there yet")
def test_demo_job_gives_one_result_patch_per_demo_patch(qgis_processing, loaded_plugin, tmp_path):
    from qgis import processing

    demo_patches = QgsVectorLayer(f"{DEMO_PATCHES}|layername=JCTB", "JCTB", "ogr")
    assert demo_patches.isValid()

    results = processing.run(
        ANALYSE_ALGORITHM_ID, {"JOB": str(DEMO_JOB), "OUTPUT_FOLDER": str(tmp_path / "out")}
    )

    patches = _patches(results["OUTPUT_GPKG"])
    assert len(patches) == demo_patches.featureCount()
    assert set(patches) == {str(f["JCBH"]) for f in demo_patches.getFeatures()}
