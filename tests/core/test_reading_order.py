"""The overlay reads its layers smallest first (the workers start on a small layer while the
large ones are read), yet the job's notes and result keep the job's order of layers."""

import pytest
from shapely.geometry import Polygon

from layer_factory import X0, Y0, square, write_layer
from plugin.core import analysis
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.io.layers import UNOPENABLE, feature_count
from plugin.core.job import job_from_dict


def _bowtie(x):
    return Polygon([(X0 + x, Y0), (X0 + x + 20, Y0 + 20), (X0 + x + 20, Y0), (X0 + x, Y0 + 20)])


def _job(tmp_path, red_line_layer="r"):
    """Farmland of 6 features, basic farmland of 4, red line of 2 (each with one bow-tie, a
    repair noted by its layer), a permit layer of 3 that its ``where`` empties and an empty
    one (each noted as it is read): read in the other order than the job's."""
    def layer(name, n, bow):
        geoms = [_bowtie(0)] + [square(30 * k, 0, 25) for k in range(1, n)]
        write_layer(str(tmp_path / f"{name}.gpkg"), geoms,
                    [{"B": bow}] + [{"B": f"{name}{k}"} for k in range(1, n)])
    layer("f", 6, "fbow")
    layer("b", 4, "bbow")
    layer("r", 2, "rbow")
    write_layer(str(tmp_path / "a.gpkg"), [square(30 * k, 0, 25) for k in range(3)],
                [{"B": f"a{k}"} for k in range(3)])
    write_layer(str(tmp_path / "t.gpkg"), [], [])
    write_layer(str(tmp_path / "p.gpkg"), [square(-5, -5, 200)], [{"JCBH": "P"}])
    return job_from_dict({
        "patches": {"path": "p.gpkg", "id_field": "JCBH"},
        "baselines": {"farmland": {"path": "f.gpkg", "id_field": "B"},
                      "basic_farmland": {"path": "b.gpkg", "id_field": "B"},
                      "red_line": {"path": "r.gpkg", "layer": red_line_layer, "id_field": "B"}},
        "exemptions": {"approved": {"path": "a.gpkg", "id_field": "B", "where": {"B": ["none"]}},
                       "temporary": {"path": "t.gpkg"}}},
        base_dir=str(tmp_path))


def _reading(monkeypatch):
    read = []
    real = analysis._read_layer

    def spy(spec, *args):
        read.append(spec.role)
        return real(spec, *args)
    monkeypatch.setattr(analysis, "_read_layer", spy)
    return read


@pytest.mark.parametrize("workers", [1, 2])
def test_layers_are_read_smallest_first_and_noted_in_the_jobs_order(tmp_path, monkeypatch,
                                                                    workers):
    if workers > 1:  # a pool even for one patch
        monkeypatch.setenv("LAND_SUPERVISION_WORKERS", str(workers))
    job = _job(tmp_path)
    read = _reading(monkeypatch)
    result = run_analysis(job, str(tmp_path / "out"), job_workers=workers)
    assert read == ["temporary", "red_line", "approved", "basic_farmland", "farmland"]
    # the job's order of layers, not the reading's: first what reading noted, then cutting
    layers = [n.layer for n in result.notes]
    read_noted = [job.exemptions["approved"].label, job.exemptions["temporary"].label]
    assert [x for x in layers if x in read_noted] == read_noted
    repaired = [n.feature for n in result.notes if "几何无效" in n.message]
    assert repaired == ["fbow", "bbow", "rbow"]
    first_repair = next(k for k, n in enumerate(result.notes) if "几何无效" in n.message)
    assert max(layers.index(x) for x in read_noted) < first_repair
    assert result.totals["farmland"][0] == 1 and result.totals["red_line"][0] == 1


def test_a_layer_that_cannot_be_opened_is_read_first_and_named(tmp_path, monkeypatch):
    """Its error comes before any other layer is read: nothing is cut for a job that fails."""
    job = _job(tmp_path, red_line_layer="NOPE")
    read = _reading(monkeypatch)
    with pytest.raises(InputError) as raised:
        run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert "NOPE" in str(raised.value) and read == ["red_line"]
    assert raised.value.layer == job.baselines["red_line"].label


def test_a_layer_of_unknown_size_is_read_last(tmp_path, monkeypatch):
    """A GeoJSON keeps no count: counting it would parse the file, so it is read last."""
    job = _job(tmp_path)
    geojson = write_layer(str(tmp_path / "r.geojson"), [_bowtie(0), square(30, 0, 25)],
                          [{"B": "rbow"}, {"B": "r1"}])
    job.baselines["red_line"].path = geojson
    job.baselines["red_line"].layer = None
    read = _reading(monkeypatch)
    run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert read == ["temporary", "approved", "basic_farmland", "farmland", "red_line"]


def test_feature_count_reads_the_header_and_says_what_it_cannot_open(tmp_path):
    write_layer(str(tmp_path / "f.gpkg"), [square(0, 0, 10), square(20, 0, 10)],
                [{"B": "a"}, {"B": "b"}])
    write_layer(str(tmp_path / "g.geojson"), [square(0, 0, 10)], [{"B": "a"}])
    (tmp_path / "junk.gpkg").write_bytes(b"not a GeoPackage")
    job = job_from_dict({"patches": {"path": "f.gpkg"},
                         "baselines": {"farmland": {"path": "f.gpkg", "layer": "f"},
                                       "red_line": {"path": "missing.gpkg"},
                                       "basic_farmland": {"path": "f.gpkg", "layer": "NOPE"},
                                       "urban_boundary": {"path": "g.geojson"}},
                         "exemptions": {"approved": {"path": "junk.gpkg"}}},
                        base_dir=str(tmp_path))
    assert feature_count(job.baselines["farmland"]) == 2
    assert feature_count(job.baselines["red_line"]) == UNOPENABLE
    assert feature_count(job.baselines["basic_farmland"]) == UNOPENABLE
    assert feature_count(job.exemptions["approved"]) == UNOPENABLE
    assert feature_count(job.baselines["urban_boundary"]) is None  # counting would parse it
