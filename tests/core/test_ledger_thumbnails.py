"""Imagery thumbnails in the ledger: one picture per patch and image, in the patch's own row.

The oracle image is a gradient whose red and green bands are the pixel's column and row (blue
constant), so a thumbnail's colours say which spot of the image it shows: the median red and
green of its pixels away from the outline (blue still 128, JPEG ringing aside) is the column
and row of its centre. That spot is found independently with rasterio's ``index`` at the
centre of the patch's bounding box, read with plain OGR.
"""

import io
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import rasterio
from osgeo import ogr
from PIL import Image
from rasterio.transform import from_bounds

from plugin.core.analysis import run_analysis
from plugin.core.job import load_job
from plugin.core.ledger.export import THUMBNAIL_PIXELS, export_ledger
from plugin.core.ledger.imports import import_ledger
from ledger_sheet import data_rows, headers

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
FLAGGED = ("违法", "需核实")
SIDE = 250  # gradient pixels per side (values stay below 256)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_analysis(load_job(str(DEMO / "job.yaml")),
                        str(tmp_path_factory.mktemp("demo"))).result_path


def patches_by_ogr(path):
    """patch id → (verdict, bounding-box centre) of every patch, read with plain OGR."""
    ds = ogr.Open(path)
    layer = ds.GetLayerByName("patches")
    out = {}
    for f in layer:
        minx, maxx, miny, maxy = f.GetGeometryRef().GetEnvelope()
        out[f.GetField("patch_id")] = (f.GetField("verdict"), ((minx + maxx) / 2, (miny + maxy) / 2))
    srs = layer.GetSpatialRef().ExportToWkt()
    extent = layer.GetExtent()
    return out, srs, extent


def gradient_image(path, crs_wkt, bounds):
    """A SIDE × SIDE RGB GeoTIFF over ``bounds`` (minx, miny, maxx, maxy): R = column, G = row."""
    cols, rows = np.meshgrid(np.arange(SIDE), np.arange(SIDE))
    data = np.stack([cols, rows, np.full_like(cols, 128)]).astype("uint8")
    with rasterio.open(path, "w", driver="GTiff", width=SIDE, height=SIDE, count=3, dtype="uint8",
                       crs=crs_wkt, transform=from_bounds(*bounds, SIDE, SIDE)) as dst:
        dst.write(data)
    return str(path)


def pictures_by_row(path, sheet="整改台账"):
    """{(header, patch id): PIL image} of the pictures anchored in the detail sheet."""
    ws = openpyxl.load_workbook(path)[sheet]
    names = {column - 1: header for header, column in headers(ws).items()}
    ids = {r: ws.cell(r, 2).value for r in data_rows(ws)}
    out = {}
    for picture in ws._images:
        marker = picture.anchor._from
        key = (names[marker.col], ids[marker.row + 1])
        assert key not in out, f"two pictures in one cell {key}"
        out[key] = Image.open(io.BytesIO(picture._data()))
    return out, ws


@pytest.fixture(scope="module")
def images(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    _, crs_wkt, (minx, maxx, miny, maxy) = patches_by_ogr(result)
    pad = 200.0
    whole = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    west = (minx - pad, miny - pad, (minx + maxx) / 2, maxy + pad)
    return (gradient_image(folder / "whole.tif", crs_wkt, whole),
            gradient_image(folder / "west.tif", crs_wkt, west))


def test_each_flagged_patch_gets_its_own_thumbnail_of_the_right_spot(result, images, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), images={"后时相": images[0]})
    pictures, _ = pictures_by_row(out)
    patches, _, _ = patches_by_ogr(result)
    flagged = {pid for pid, (verdict, _) in patches.items() if verdict in FLAGGED}
    assert {pid for header, pid in pictures} == flagged
    assert {header for header, _ in pictures} == {"后时相影像"}
    with rasterio.open(images[0]) as src:
        for (_, pid), picture in pictures.items():
            assert max(picture.size) == THUMBNAIL_PIXELS and picture.format == "JPEG"
            row, col = src.index(*patches[pid][1])
            pixels = np.asarray(picture.convert("RGB")).astype(int)
            away = np.abs(pixels[:, :, 2] - 128) <= 4
            assert abs(np.median(pixels[:, :, 0][away]) - col) <= 2, pid
            assert abs(np.median(pixels[:, :, 1][away]) - row) <= 2, pid


def test_outline_is_drawn_in_the_verdict_colour(result, images, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), images={"前时相": images[0]})
    pictures, _ = pictures_by_row(out)
    for picture in pictures.values():
        pixels = np.asarray(picture.convert("RGB")).reshape(-1, 3).astype(int)
        # the gradient's blue is 128 everywhere: only the outline (red or orange) has little blue
        assert ((pixels[:, 0] > 150) & (pixels[:, 2] < 80)).sum() >= 30


def test_rows_with_pictures_are_tall_enough_to_show_them(result, images, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), images={"前时相": images[0], "后时相": images[0]})
    pictures, ws = pictures_by_row(out)
    assert len({h for h, _ in pictures}) == 2
    for row in data_rows(ws):
        assert ws.row_dimensions[row].height >= THUMBNAIL_PIXELS * 0.75  # points at 96 dpi


def test_patches_outside_an_image_are_listed_and_the_rest_still_get_pictures(result, images,
                                                                             tmp_path):
    out = tmp_path / "台账.xlsx"
    report = export_ledger(result, str(out), images={"前时相": images[1]})
    pictures, _ = pictures_by_row(out)
    patches, _, _ = patches_by_ogr(result)
    with rasterio.open(images[1]) as src:
        east = src.bounds.right
    flagged = {pid: x for pid, (verdict, (x, _)) in patches.items() if verdict in FLAGGED}
    pictured = {pid for _, pid in pictures}
    assert {pid for pid, x in flagged.items() if x < east - 300} <= pictured
    far_east = {pid for pid, x in flagged.items() if x > east + 300}
    assert far_east and not far_east & pictured
    warning = next(w for w in report.warnings if "前时相影像" in w)
    missing = len(flagged) - len(pictured)
    listed = {pid for pid in patches if pid in warning}
    assert warning.startswith(f"{missing} 个图斑") and len(listed) == min(missing, 10)
    assert not listed & pictured


def test_a_ledger_with_pictures_imports_without_complaint(result, images, tmp_path):
    out = tmp_path / "台账.xlsx"
    export_ledger(result, str(out), images={"前时相": images[0], "后时相": images[0]})
    wb = openpyxl.load_workbook(out)
    ws = wb["整改台账"]
    ws.cell(data_rows(ws)[0], headers(ws)["核查结果"]).value = "属实"
    wb.save(tmp_path / "filled.xlsx")
    report = import_ledger(str(tmp_path / "filled.xlsx"), result)
    assert report.written and report.check.issues == []


def test_a_missing_image_is_an_input_error_naming_it(result, tmp_path):
    from plugin.core.errors import InputError
    with pytest.raises(InputError, match="none.tif"):
        export_ledger(result, str(tmp_path / "台账.xlsx"), images={"后时相": str(tmp_path / "none.tif")})
    assert not (tmp_path / "台账.xlsx").exists()


def test_cli_adds_the_picture_columns(result, images, tmp_path):
    from plugin.cli import main
    out = tmp_path / "台账.xlsx"
    assert main(["ledger", result, "--out", str(out), "--before", images[0], "--after", images[0],
                 "-q"]) == 0
    pictures, _ = pictures_by_row(out)
    assert {h for h, _ in pictures} == {"前时相影像", "后时相影像"}


def test_thumbnail_cutting_reports_progress_and_can_be_cancelled(result, images, tmp_path):
    from plugin.core.errors import Cancelled

    seen = []
    export_ledger(result, str(tmp_path / "a.xlsx"), images={"后时相": images[0]},
                  progress=lambda f, m: seen.append((f, m)))
    cutting = [f for f, m in seen if "缩略图" in m]
    assert len(cutting) >= 1 and all(0.4 <= f <= 0.7 for f in cutting)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)

    progress_seen = []

    def cancel_while_cutting():
        return any("缩略图" in m for _, m in progress_seen)

    with pytest.raises(Cancelled):
        export_ledger(result, str(tmp_path / "b.xlsx"), images={"后时相": images[0]},
                      progress=lambda f, m: progress_seen.append((f, m)),
                      cancelled=cancel_while_cutting)
    assert not (tmp_path / "b.xlsx").exists()
    assert not list(tmp_path.glob(".tmp-*"))
