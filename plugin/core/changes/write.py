"""The change patches written out: ``changes.gpkg`` with the kept patches, the dropped slivers,
the class transitions, notes and run information."""

from ...identity import VERSION as ENGINE_VERSION
from ..io.gpkg_writer import atomic_geopackage
from ..overlay.areas import MU_PER_M2
from . import balance
from .match import stable_ids

RESULT_NAME = "changes.gpkg"
ANALYSE_PATCHES = ("{path: %s, layer: changes, id_field: change_id, "
                   "before_field: from_class, after_field: to_class}")
CHANGE_FIELDS = [
    ("change_id", "str", "变化图斑编号"),
    ("from_class", "str", "变更前地类编码"),
    ("from_name", "str", "变更前地类名称"),
    ("to_class", "str", "变更后地类编码"),
    ("to_name", "str", "变更后地类名称"),
    ("from_czcs", "str", "变更前城镇村属性码"),
    ("to_czcs", "str", "变更后城镇村属性码"),
    ("change_type", "str", "变化类型"),
    ("farmland_flow", "str", "耕地进出"),
    ("flow_group", "str", "耕地去向/来源"),
    ("change_m2", "real", "变化面积(平方米)"),
    ("change_mu", "real", "变化面积(亩)"),
    ("planar_m2", "real", "平面面积(平方米)"),
    ("zl_township", "str", "坐落乡镇"),
    ("zl_village", "str", "坐落村"),
    ("from_bsm", "str", "变更前标识码"),
    ("to_bsm", "str", "变更后标识码"),
]
DROPPED_FIELDS = CHANGE_FIELDS[:5] + [
    ("change_m2", "real", "面积(平方米)"),
    ("planar_m2", "real", "平面面积(平方米)"),
    ("mean_width_m", "real", "平均宽度(米)"),
    ("compactness", "real", "紧凑度(4πA/P²)"),
    ("reason", "str", "剔除原因"),
    ("zl_township", "str", "坐落乡镇"),
    ("zl_village", "str", "坐落村"),
]
TRANSITION_COLUMNS = ["from_class", "from_name", "to_class", "to_name", "patches", "area_m2",
                      "area_mu"]


def write_result(path, crs, rows, pieces, change, notes, run_info):
    """changes (kept patches) and dropped (slivers) layers, transitions, notes, run_info."""
    order = sorted(range(len(rows)), key=lambda k: (rows[k]["zl_township"] or "",
                                                    rows[k]["zl_village"] or "",
                                                    rows[k]["change_id"]))
    sliver = pieces.sliver[change]
    kept = [k for k in order if not sliver[k]]
    dropped = [k for k in order if sliver[k]]
    wkb = [pieces.wkb[k] for k in change]
    wkt = crs.to_wkt()
    with atomic_geopackage(path) as gpkg:
        gpkg.write_layer("changes", wkt, CHANGE_FIELDS, [rows[k] for k in kept],
                         [wkb[k] for k in kept])
        gpkg.write_layer("dropped", wkt, DROPPED_FIELDS, [rows[k] for k in dropped],
                         [wkb[k] for k in dropped])
        gpkg.write_default_style("changes", [(f, a) for f, _, a in CHANGE_FIELDS])
        gpkg.write_default_style("dropped", [(f, a) for f, _, a in DROPPED_FIELDS])
        gpkg.write_table("transitions", TRANSITION_COLUMNS, _transitions([rows[k] for k in kept]))
        gpkg.write_table("notes", ["layer", "feature", "message"],
                         [(n.layer, n.feature, n.message) for n in notes])
        gpkg.write_table("run_info", ["key", "value"], run_info)


def change_rows(before, after, pieces, change, units, table, min_area):
    """Attribute rows of the change pieces (sliver measures on every row; reason where
    dropped)."""
    rows_b, rows_a = pieces.rows_b[change], pieces.rows_a[change]
    ids = stable_ids([pieces.wkb[k] for k in change],
                     [before.classes[i] + "|" + before.czcs[i] for i in rows_b],
                     [after.classes[j] + "|" + after.czcs[j] for j in rows_a])
    rows = []
    for n, (k, i, j) in enumerate(zip(change.tolist(), rows_b.tolist(), rows_a.tolist())):
        fc, tc = before.classes[i], after.classes[j]
        flow, group = balance.farmland_flow(fc, tc, table)
        m2 = float(pieces.m2[k])
        row = {"change_id": ids[n], "from_class": fc, "from_name": table.name(fc),
               "to_class": tc, "to_name": table.name(tc),
               "from_czcs": before.czcs[i] or None, "to_czcs": after.czcs[j] or None,
               "change_type": _change_type(fc, tc, before.czcs[i], after.czcs[j], table),
               "farmland_flow": flow, "flow_group": group,
               "change_m2": round(m2, 4), "change_mu": round(m2 * MU_PER_M2, 6),
               "planar_m2": round(float(pieces.planar[k]), 4),
               "zl_township": units[n][0], "zl_village": units[n][1],
               "from_bsm": before.bsm(i), "to_bsm": after.bsm(j),
               "mean_width_m": round(float(pieces.width[k]), 4),
               "compactness": round(float(pieces.compact[k]), 6)}
        if pieces.sliver[k]:
            row["reason"] = (f"面积 {m2:.3f} 平方米，小于 {min_area:g} 平方米" if pieces.small[k] else
                             f"细长碎片: 平均宽度 {pieces.width[k]:.3f} 米，紧凑度 {pieces.compact[k]:.4f}")
        rows.append(row)
    return rows


def _change_type(fc, tc, fz, tz, table):
    if fc == tc:
        return f"城镇村属性码 {fz or '空'}→{tz or '空'}"
    a, b = table.lookup(fc).top_name, table.lookup(tc).top_name
    return f"{a}→{b}" if a != b else f"{a}内部 ({table.name(fc)}→{table.name(tc)})"


def _transitions(rows):
    totals = {}
    for r in rows:
        key = (r["from_class"], r["from_name"], r["to_class"], r["to_name"])
        n, a = totals.get(key, (0, 0.0))
        totals[key] = (n + 1, a + r["change_m2"])
    return [(*key, n, f"{a:.4f}", f"{a * MU_PER_M2:.4f}")
            for key, (n, a) in sorted(totals.items(), key=lambda t: -t[1][1])]


def run_info(before_spec, after_spec, options, result, started):
    info = [("engine_version", ENGINE_VERSION), ("command", "derive-changes"),
            ("started", started.isoformat(timespec="seconds")),
            ("working_crs", result.working_crs),
            ("class_field", options.class_field), ("czcs_field", options.czcs_field or ""),
            ("location_field", options.location_field if options.admin is None else ""),
            ("admin", options.admin.path if options.admin is not None else ""),
            ("min_area_m2", options.min_area_m2), ("sliver_ratio", options.sliver_ratio),
            ("sliver_width_m", options.sliver_width_m),
            ("parcels_before", result.parcels[0]), ("parcels_after", result.parcels[1]),
            ("unchanged_parcels", result.unchanged), ("changes", result.change_count),
            ("changes_m2", f"{result.change_m2:.4f}"), ("dropped", result.dropped_count),
            ("dropped_m2", f"{result.dropped_m2:.4f}"),
            ("analyse_patches", ANALYSE_PATCHES % result.result_path)]
    for role, spec in (("before", before_spec), ("after", after_spec)):
        info.append((f"input.{role}.path", spec.path))
        if spec.layer:
            info.append((f"input.{role}.layer", spec.layer))
    return info
