"""Region-wide patches told apart by county, each patch in exactly one county: the county its
code's first 6 digits name, else (no code, or a code of no county of the partition) the county
its centroid lies in. Decided once, here, before any county runs, so a patch on a county border
is neither counted twice nor lost."""

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
import shapely.wkb
from pyproj import CRS, Transformer
from shapely.geometry import Point
from shapely.ops import unary_union
from shapely.prepared import prep

from ..errors import InputError, Note
from ..io.geometry import parse_geometries
from ..io.layers import read_layer
from .region_file import county_code

DEFAULT_CODE_FIELD = "XZQDM"
SHOWN = 10  # patches named in a message before "…… 等"


@dataclass
class County:
    code: str
    name: str = ""

    @property
    def label(self):
        return f"{self.code} {self.name}".strip()


@dataclass
class PatchPartition:
    """The counties (in code order) and the fids of each county's patches in the region's patch
    layer (sorted); ``notes`` say which patches went by their centroid, and why."""

    counties: List[County]
    fids: Dict[str, np.ndarray]
    code_field: str
    notes: List[Note] = field(default_factory=list)


@dataclass
class _CountyShapes:
    names: Dict[str, str]
    geoms: Dict[str, object]  # code -> prepared union of the code's features
    shapes: Dict[str, object]  # code -> the union itself (for distances)
    crs: CRS


def partition_patches(job, partition) -> PatchPartition:
    """Every patch of ``job`` (where its ``where`` lets it through) given to one county."""
    spec = job.patches
    code_field = partition.code_field or spec.extra.get("code_field") or DEFAULT_CODE_FIELD
    layer, notes = read_layer(spec, fields=[f for f in (code_field, spec.id_field) if f])
    if len(layer) == 0:
        raise InputError("监测图斑图层为空 (或 where 过滤后没有要素)", layer=spec.label)
    codes = [county_code(v) for v in layer.columns[code_field]]
    shapes = _county_shapes(partition.counties, notes) if partition.counties else None
    if shapes is not None:
        counties = [County(c, shapes.names[c]) for c in sorted(shapes.names)]
    else:
        counties = [County(c) for c in sorted({c for c in codes if c})]
    known = {c.code for c in counties}
    owners = [c if c in known else None for c in codes]
    orphans = [i for i, c in enumerate(owners) if c is None]
    ids = layer.ids(spec.id_field if spec.id_field in layer.columns else None)
    if orphans and shapes is None:
        shown = "、".join(ids[i] for i in orphans[:SHOWN]) + (" 等" if len(orphans) > SHOWN else "")
        raise InputError(f"{len(orphans)} 个图斑的代码字段不以 6 位县级代码开头 ({shown})，无法归属到县；"
                         "请补全代码，或在 partition 中给出县级行政区图层 (counties)，按质心归属",
                         layer=spec.label, field=code_field)
    values = layer.columns[code_field]
    for i in orphans:
        owners[i], (what, kind) = _by_centroid(layer.wkb[i], layer.crs, shapes, spec)
        # a code naming a county the partition lacks is a mistake somewhere: look at it
        kind = "warning" if codes[i] and kind == "info" else kind
        notes.append(Note(spec.label, ids[i], f"{_why_orphan(values[i], codes[i])}，{what}", kind))
    rows = {}
    for i, owner in enumerate(owners):
        if owner is not None:
            rows.setdefault(owner, []).append(layer.fids[i])
    fids = {c.code: np.sort(np.asarray(rows.get(c.code, []), dtype=np.int64)) for c in counties}
    return PatchPartition(counties=counties, fids=fids, code_field=code_field, notes=notes)


def _county_shapes(spec, notes) -> _CountyShapes:
    """The county layer's features united by county code (a county, township or village layer
    serves alike: its codes' first 6 digits name the county)."""
    code_field, name_field = spec.extra["code_field"], spec.extra.get("name_field")
    layer, layer_notes = read_layer(spec, fields=[f for f in (code_field, name_field) if f])
    notes.extend(layer_notes)
    if layer.crs is None:
        raise InputError("县级行政区图层没有坐标系，请用 crs: 指明", layer=spec.label)
    ids = [f"FID {f}" for f in layer.fids]
    parts, names = {}, {}
    keep = [i for i in range(len(layer)) if i not in layer.dropped]
    geoms, geom_notes = parse_geometries([layer.wkb[i] for i in keep], [ids[i] for i in keep],
                                         spec.label)
    notes.extend(geom_notes)
    for i, geom in zip(keep, geoms):
        value = layer.columns[code_field][i]
        code = county_code(value)
        if code is None:
            raise InputError(f"代码应以 6 位县级代码开头，而不是 {value!r}", layer=spec.label,
                             feature=ids[i], field=code_field)
        if geom is not None:
            parts.setdefault(code, []).append(geom)
        name = layer.columns[name_field][i] if name_field else None
        if name and not names.get(code):
            names[code] = str(name).strip()
    if not parts:
        raise InputError("县级行政区图层没有任何有效几何", layer=spec.label)
    shapes = {code: unary_union(geoms) for code, geoms in parts.items()}
    return _CountyShapes(names={c: names.get(c, "") for c in shapes},
                         geoms={c: prep(g) for c, g in shapes.items()}, shapes=shapes,
                         crs=layer.crs)


def _by_centroid(wkb, crs, shapes, spec):
    """(county, what happened) for a patch without a county code: the county whose area holds
    its centroid (the first by code where two meet), else the nearest county; (None, …) for a
    patch without a geometry."""
    if wkb is None:
        return None, ("没有有效几何，无法按质心归属；该图斑不计入任何县 (各县分析同样会剔除它)", "drop")
    if crs is None:
        raise InputError("监测图斑图层没有坐标系，无法按质心归属到县；请用 crs: 指明", layer=spec.label)
    point = shapely.wkb.loads(bytes(wkb)).centroid
    if CRS.from_user_input(crs) != shapes.crs:
        point = Point(Transformer.from_crs(crs, shapes.crs, always_xy=True).transform(point.x,
                                                                                     point.y))
    inside = [c for c in sorted(shapes.geoms) if shapes.geoms[c].covers(point)]
    if inside:
        return inside[0], (f"按质心所在县归属 {inside[0]}", "info")
    nearest = min(sorted(shapes.shapes), key=lambda c: shapes.shapes[c].distance(point))
    return nearest, (f"质心不在任何县界内，归属最近的县 {nearest}；请核实", "warning")


def _why_orphan(value, code) -> str:
    if value is None or str(value).strip() == "":
        return "代码为空"
    if code:
        return f"代码 {value} 不是县级行政区图层中的县"
    return f"代码 {value!r} 不以 6 位县级代码开头"
