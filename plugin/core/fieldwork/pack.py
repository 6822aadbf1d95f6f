"""Field verification prep (外业核查): a self-contained pack for every flagged patch.

The pack folder holds everything the field team needs and refers to nothing outside it, so it
can be copied or zipped to a tablet:
``核查图斑.gpkg`` (the layer they edit), ``参考图层.gpkg`` (baselines near the patches),
``影像/前时相.tif`` and ``影像/后时相.tif`` (the images cut down to the patches' surroundings),
``chips/`` (a JPEG per patch and image, the image date stamped in), ``核查图斑.kml``/``.kmz``
(the KMZ with the chips inside) and an empty ``DCIM/`` for QField's photos. The QGIS project
and the field sheets are added by ``plugin.qgis_io`` (they need QGIS).
"""

import os
import shutil
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..errors import InputError, Note
from ..imagery.chips import Chip, cut_chips, outline_colour
from ..imagery.image import Image, chip_bounds
from ..imagery.pack_imagery import PackImage, clip_image
from ..io.wkb_arrays import envelopes
from ..ledger.result_access import read_run_info
from ..progress import Steps
from .file_names import file_stems
from .flagged import read_flagged
from .image_dates import acquisition_date, given_date
from .kml import outlines_in_degrees, write_kml, write_kmz
from .mobile import MOBILE_NAME, PHOTO_FOLDER, write_mobile_gpkg
from .pack_guard import guard_field_edits
from .reference_layers import REFERENCE_NAME, reference_specs, write_reference_layers

CHIP_DIR = "chips"
IMAGE_DIR = "影像"
LABELS = ("前时相", "后时相")


@dataclass
class FieldPack:
    """What ``prepare_fieldpack`` wrote."""

    folder: str
    patches: int
    gpkg: str = ""
    kml: str = ""
    kmz: str = ""
    reference: str = ""
    reference_layers: List[str] = field(default_factory=list)
    images: Dict[str, PackImage] = field(default_factory=dict)
    dates: Dict[str, str] = field(default_factory=dict)
    chips: List[Chip] = field(default_factory=list)
    notes: List[Note] = field(default_factory=list)
    backup: Optional[str] = None
    """Where the replaced field data was copied (``overwrite`` with field work in it)."""


def prepare_fieldpack(result_path: str, out_dir: str, before: Optional[str] = None,
                      after: Optional[str] = None, dates: Optional[Dict[str, str]] = None,
                      overwrite: bool = False, progress=None, cancelled=None) -> FieldPack:
    """Write the pack of the flagged patches of one result into ``out_dir``.

    ``dates``: {"前时相"/"后时相": date text} given by the user; an image without one is dated
    from its own acquisition metadata when it has any. ``overwrite``: replace a
    ``核查图斑.gpkg`` that holds field work not yet in the result (a timestamped copy is
    kept); without it such a folder is refused with an InputError before anything is written.
    """
    steps = Steps(progress, cancelled)
    steps.report(0.0, "读取结果文件")
    patches, crs_wkt, shapeless = read_flagged(result_path)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise InputError("这是一个文件，请给出外业数据包的文件夹", layer=out_dir)
    pack = FieldPack(folder=out_dir, patches=len(patches),
                     gpkg=os.path.join(out_dir, f"{MOBILE_NAME}.gpkg"))
    images = {label: path for label, path in zip(LABELS, (before, after)) if path}
    pack.dates = _image_dates(images, dates or {})
    for label, image in images.items():  # a bad image stops the pack before anything is written
        Image(image, crs_wkt, label).close()
    pack.backup = guard_field_edits(pack.gpkg, {p.patch_id: p.row for p in patches}, overwrite)
    pack.notes.extend(Note(layer=os.path.basename(result_path), feature=pid,
                           message=f"图斑 {pid} 没有几何图形，未列入外业数据") for pid in shapeless)
    try:
        _write_pack(pack, result_path, patches, crs_wkt, images, steps)
    except OSError as e:  # a full disk, a folder without the right to write, a path too long
        raise InputError(f"无法写入外业数据包 ({e.strerror or e})", layer=out_dir) from e
    steps.report(1.0, "完成")
    return pack


def _write_pack(pack, result_path, patches, crs_wkt, images, steps):
    _make_folder(pack.folder)
    chips = _write_chips(pack, patches, crs_wkt, images, steps)
    for k, (label, image) in enumerate(images.items()):
        span = (0.55 + 0.3 * k / len(images), 0.55 + 0.3 * (k + 1) / len(images))
        clipped = clip_image(image, crs_wkt, [p.geometry.wkb for p in patches],
                             os.path.join(pack.folder, IMAGE_DIR, f"{label}.tif"), label, steps, span)
        if clipped is not None:
            pack.images[label] = clipped
    steps.report(0.85, "写出参考图层")
    _write_reference(pack, result_path, patches, crs_wkt)
    steps.report(0.9, "写出外业数据")
    write_mobile_gpkg(patches, crs_wkt, pack.gpkg, chips)
    pack.kml = os.path.join(pack.folder, f"{MOBILE_NAME}.kml")
    outlines = outlines_in_degrees(patches, crs_wkt)
    write_kml(patches, crs_wkt, pack.kml, chips, pack.dates, outlines=outlines)
    pack.kmz = os.path.join(pack.folder, f"{MOBILE_NAME}.kmz")
    write_kmz(patches, crs_wkt, pack.kmz, pack.folder, chips, pack.dates, outlines=outlines)


def _image_dates(images, given):
    out = {}
    for label, image in images.items():
        date = given_date(given.get(label), label) or acquisition_date(image)
        if date:
            out[label] = date
    return out


def _make_folder(out_dir):
    os.makedirs(os.path.join(out_dir, PHOTO_FOLDER), exist_ok=True)
    for name in os.listdir(out_dir):  # chip folders a killed run left behind
        if name.startswith(".chips-"):
            shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)


def _write_chips(pack, patches, crs_wkt, images, steps) -> Dict[str, Dict[str, str]]:
    """Cut every image's chips into a new folder that replaces ``chips/`` when all are written
    (chips of patches no longer flagged go with the old folder; without images there is no
    folder). Returns {patch id: {label: path relative to the pack}}."""
    if not images:
        shutil.rmtree(os.path.join(pack.folder, CHIP_DIR), ignore_errors=True)
        return {}
    names = file_stems(p.patch_id for p in patches)
    fresh = _scratch_name(pack.folder)
    os.mkdir(fresh)  # not mkdtemp: its folder would be private to its owner
    chips: Dict[str, Dict[str, str]] = {}
    try:
        for k, (label, image) in enumerate(images.items()):
            outlined = ((p.patch_id, p.geometry.wkb, outline_colour(p.fields.get("verdict")))
                        for p in patches)
            span = (0.05 + 0.5 * k / len(images), 0.05 + 0.5 * (k + 1) / len(images))
            cut, notes = cut_chips(
                image, crs_wkt, steps.over(outlined, len(patches), *span, f"切取{label}影像"),
                fresh, label, {pid: f"{stem}_{label}.jpg" for pid, stem in names.items()},
                pack.dates.get(label))
            for chip in cut:
                name = os.path.basename(chip.path)
                chip.path = os.path.join(pack.folder, CHIP_DIR, name)
                chips.setdefault(chip.patch_id, {})[label] = f"{CHIP_DIR}/{name}"
            pack.chips.extend(cut)
            pack.notes.extend(notes)
        _replace_folder(fresh, os.path.join(pack.folder, CHIP_DIR))
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return chips


def _scratch_name(folder) -> str:
    """A new name ``.chips-…`` in ``folder`` (a run killed midway leaves it for the next run
    to remove)."""
    return os.path.join(folder, f".chips-{uuid.uuid4().hex[:12]}")


def _replace_folder(fresh, target):
    old = None
    if os.path.exists(target):
        old = _scratch_name(os.path.dirname(target))
        os.rename(target, old)
    os.rename(fresh, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _write_reference(pack, result_path, patches, crs_wkt):
    specs, notes = reference_specs(read_run_info(result_path))
    pack.notes.extend(notes)
    if not specs or not patches:
        return
    squares = chip_bounds(envelopes([p.geometry.wkb for p in patches]))
    pack.reference = os.path.join(pack.folder, f"{REFERENCE_NAME}.gpkg")
    written, notes = write_reference_layers(specs, squares, crs_wkt, pack.reference)
    pack.reference_layers = [name for name, _ in written]
    pack.notes.extend(notes)
