"""Property-based hostile input: any field name, any id text, any ring of points. The run never
fails with a traceback, never drops or merges a patch unnamed, and never reports more area
inside a baseline than the patch has."""

import os
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from osgeo import ogr
from shapely.geometry import Polygon

from hostile_inputs import base_county
from layer_factory import X0, Y0, square
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict
from plugin.core.ledger.export import export_ledger

FUZZ = settings(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
RESERVED = {"jcbh", "qdlbm", "hdlbm", "fid", "geom"}


def _run(folder, job):
    return run_analysis(job_from_dict(job, base_dir=folder), os.path.join(folder, "out"),
                        job_workers=1)


def _rows(result):
    ds = ogr.Open(result.result_path)
    lyr = ds.GetLayerByName("patches")
    names = [lyr.GetLayerDefn().GetFieldDefn(i).GetName()
             for i in range(lyr.GetLayerDefn().GetFieldCount())]
    return names, [f.items() for f in lyr]


@FUZZ
@given(name=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    min_size=1, max_size=24))
def test_any_field_name_is_carried_through_with_its_values(name):
    assume(name.strip() and name.lower() not in RESERVED)
    with tempfile.TemporaryDirectory() as folder:
        attrs = [{"JCBH": f"P{k}", "QDLBM": "0103", "HDLBM": "0702", name: f"v{k}"}
                 for k in range(4)]
        try:
            job = base_county(folder, patch_attrs=attrs)
        except RuntimeError:
            assume(False)  # GDAL itself will not create such a field: not our input
        result = _run(folder, job)
        names, rows = _rows(result)
        carried = [n for n in names if n == name or n.startswith(f"{name}_src")]
        assert len(carried) == 1
        assert sorted(r[carried[0]] for r in rows) == ["v0", "v1", "v2", "v3"]
        assert {r["verdict"] for r in rows} == {"需核实"}


@FUZZ
@given(ids=st.lists(st.one_of(st.none(), st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)),
    min_size=4, max_size=4))
def test_any_id_text_gives_unique_ids_and_a_ledger(ids):
    with tempfile.TemporaryDirectory() as folder:
        attrs = [{"JCBH": i, "QDLBM": "0103", "HDLBM": "0702"} for i in ids]
        job = base_county(folder, patch_attrs=attrs)
        result = _run(folder, job)
        _, rows = _rows(result)
        out = [r["patch_id"] for r in rows]
        assert len(out) == 4 and len(set(out)) == 4
        given_ids = [i.strip() if i and i.strip() else None for i in ids]
        for pid, mine in zip(out, given_ids):
            assert mine is None or pid == mine or pid.startswith(f"{mine}#")
        report = export_ledger(result.result_path, os.path.join(folder, "台账.xlsx"))
        assert report.rows == 4


coordinate = st.floats(-20, 120, allow_nan=False, allow_infinity=False)


@FUZZ
@given(points=st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=9))
def test_any_ring_of_points_is_judged_or_named(points):
    with tempfile.TemporaryDirectory() as folder:
        patch = Polygon([(X0 + x, Y0 + y) for x, y in points])
        try:
            job = base_county(folder, patch_geoms=[patch, square(200, 0, 80), square(400, 0, 60),
                                                   square(0, 300, 50)])
        except RuntimeError:
            assume(False)
        try:
            result = _run(folder, job)
        except InputError:
            pytest.fail("a defective patch must be noted, not stop the run")
        _, rows = _rows(result)
        ids = {r["patch_id"] for r in rows}
        if "P1" not in ids:
            assert any(n.feature == "P1" and n.kind == "drop" for n in result.notes)
        for r in rows:
            for key in ("farmland_m2", "basic_farmland_m2", "flag_area_m2"):
                assert 0 <= r[key] <= r["area_m2"] + 1e-6, (key, r)
