"""The values of the ledger's title block: county, survey year, monitoring batch, reporting unit
(填报单位) and date, from the export's options, the job's ``ledger:`` block (kept in the
result's ``run_info``), the patches' own batch field, and the date of the export."""

import datetime
import re
from typing import Dict, Optional, Sequence

from .workbook import TitleBlock

BLANK = "＿＿＿＿＿＿"  # a value nobody gave: a line to write on
MAX_BATCHES = 3
_COUNTY = re.compile(r"^\s*(\S+?(?:自治县|县|市|区|旗))")
_YEAR = re.compile(r"(19|20)\d{2}")


def title_values(run_info: Dict[str, str], rows: Sequence[dict], given: Optional[Dict[str, str]],
                 generated: datetime.datetime) -> Dict[str, str]:
    """{county, year, batch, unit, date}: the export's ``given`` values first, then the job's;
    the county may come from the job's name (示范县 2024 年度… → 示范县), the batch from the
    patches' batch field, the year from the batch or the analysis date."""
    given = {k: v for k, v in (given or {}).items() if v}
    job = {k[len("title."):]: v for k, v in run_info.items() if k.startswith("title.") and v}
    values = {**job, **given}
    county = values.get("county") or _county_from_name(job.get("name", ""))
    batch = values.get("batch") or _batches(rows)
    year = values.get("year") or _year(batch) or _year(run_info.get("started", "")) or ""
    return {"county": county or "", "year": str(year), "batch": batch or "",
            "unit": values.get("unit", ""), "date": f"{generated.year}年{generated.month}月{generated.day}日"}


def title_block(template, values: Dict[str, str]) -> TitleBlock:
    """The template's title and subtitle filled in; an empty value leaves a line to write on
    in the subtitle and nothing in the title."""
    title = template.title.format(**values)
    subtitle = template.subtitle.format(**{k: v or BLANK for k, v in values.items()})
    return TitleBlock(title=title.strip() or "整改台账", subtitle=subtitle,
                      signature=template.signature_text())


def _county_from_name(name: str) -> Optional[str]:
    match = _COUNTY.match(name)
    return match.group(1) if match else None


def _batches(rows) -> Optional[str]:
    """The patches' batches: one, a few joined, or the first few and how many in all."""
    seen = sorted({r["batch"] for r in rows if r.get("batch")})
    if not seen:
        return None
    if len(seen) > MAX_BATCHES:
        return "、".join(seen[:MAX_BATCHES]) + f" 等 {len(seen)} 批"
    return "、".join(seen)


def _year(text) -> Optional[str]:
    match = _YEAR.search(text or "")
    return match.group(0) if match else None
