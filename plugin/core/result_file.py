"""result.gpkg as an analysis leaves it: the patches with every field the analysis gave them
and their own, the overlaps and parcel hits (copied from the files the workers wrote, where
they did), the fields' Chinese aliases as QGIS styles, the run's information and its notes."""

import os

from osgeo import ogr

from ..identity import VERSION as ENGINE_VERSION
from .errors import InputError, Note
from .io.gpkg_writer import atomic_geopackage
from .io.hashing import file_sha256
from .job import BASELINE_KEYS as KNOWN_BASELINES
from .result_fields import OVERLAP_FIELDS, ledger_fields, patch_fields


def result_fields(job, parcels, batches):
    """The patches layer's fields (name, type, alias) of the engine; InputError where two of
    them would share a name."""
    fields = (patch_fields(list(job.baselines), list(job.exemptions), with_verdict=True,
                           names=job.names(), carry={k: s.carry for k, s in job.baselines.items()})
              + ledger_fields(list(job.baselines), list(job.exemptions)) + parcels.fields()
              + batches.fields())
    _check_unique(job, fields)
    return fields


def write_result(out_path, crs, fields, *, patches, patch_layer, rows, overlaps, parcels,
                 run_info, notes):
    """Write ``out_path`` atomically: the patches (``rows`` in ``fields`` after the patch
    layer's own fields), ``overlaps`` (a StagedLayer) and the parcel hits, the styles, the
    ``run_info`` entries and the notes."""
    source_defs, source_rows = _source_attributes(patch_layer, {f[0] for f in fields}, notes)
    with atomic_geopackage(out_path) as ds:
        wkt = crs.to_wkt()
        ds.write_layer("patches", wkt, fields, rows, patches.wkb, source_defs, source_rows)
        ds.write_staged_layer(overlaps, wkt)
        parcels.write(ds, wkt)
        ds.write_default_style("patches", [(fd.GetName(), None) for fd in source_defs]
                               + [(f, a) for f, _, a in fields])
        ds.write_default_style("overlaps", [(f, a) for f, _, a in OVERLAP_FIELDS])
        ds.write_table("run_info", ["key", "value"], run_info)
        ds.write_table("notes", ["layer", "feature", "message", "kind"],
                       [(n.layer, n.feature, n.message, n.kind) for n in notes])


def _check_unique(job, fields):
    """InputError naming the zone whose key or carried field makes a result field the engine
    already writes (SQLite compares names without case)."""
    seen = set()
    for name, _, _ in fields:
        if name.lower() in seen:
            zone = next((k for k in job.baselines if name.lower().startswith(k.lower() + "_")
                         and k not in KNOWN_BASELINES), None)
            raise InputError(f"结果字段 {name} 重名：请给自定义底线图层换一个键，或不带出该字段",
                             file=job.path, field=f"baselines.{zone}" if zone else name)
        seen.add(name.lower())


def _source_attributes(layer, ours, notes):
    """The patches' own fields for the output. A name that clashes with ours, with another
    source field, or with the GeoPackage's own fid/geom columns (SQLite names ignore case) gets
    '_src' (and a number where that is taken too), each rename noted."""
    taken = {n.lower() for n in ours} | {"fid", "geom"}
    source = [fd.GetName() for fd in layer.field_defs]
    taken_later = {n.lower() for n in source}
    defs = []
    for fd in layer.field_defs:
        name = fd.GetName()
        new_name = name
        if name.lower() in taken:
            new_name = next(c for c in (f"{name}_src", *(f"{name}_src{k}" for k in range(2, 999)))
                            if c.lower() not in taken and c.lower() not in taken_later)
            new = ogr.FieldDefn(new_name, fd.GetType())
            new.SetSubType(fd.GetSubType())
            fd = new
            notes.append(Note(layer.label, "-", f"原字段 {name} 与结果字段重名，输出时改名为 {new_name}"))
        taken.add(new_name.lower())
        defs.append(fd)
    cols = [layer.columns[n] for n in source]
    rows = [[c[i] for c in cols] for i in layer.kept_rows]
    return defs, rows


def run_info(job, layers, result, started):
    """The run's own entries of ``run_info``: engine, job, start, CRS and every input (path,
    fingerprint, layer, features read of the source's, filter, name, carried fields)."""
    info = [("engine_version", ENGINE_VERSION), ("job", job.path or ""),
            ("started", started.isoformat(timespec="seconds")),
            ("working_crs", result.working_crs), ("min_area_m2", job.min_area_m2),
            ("patch_count", result.patch_count)]
    for spec in job.layers():
        layer = layers.get(spec.role, (None, None))[1]
        info.append((f"input.{spec.role}.path", spec.path))
        if os.path.isfile(spec.path):
            info.append((f"input.{spec.role}.sha256", file_sha256(spec.path)))
        if spec.layer:
            info.append((f"input.{spec.role}.layer", spec.layer))
        if layer is not None:
            info.append((f"input.{spec.role}.features", f"{len(layer)} / {layer.source_count}"))
        if spec.where:
            info.append((f"input.{spec.role}.where", repr(spec.where)))
        if spec.name:
            info.append((f"input.{spec.role}.name", spec.name))
        if spec.carry:
            info.append((f"input.{spec.role}.carry", ",".join(spec.carry)))
    return info
