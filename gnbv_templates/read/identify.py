"""Which unit, period and forms a returned workbook is: from its metadata, or its visible identity lines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import gnbv_templates.findings as fd
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.findings import shown_text
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.context import Issue, Settings
from gnbv_templates.forms.metadata import META_SHEET, Metadata, checksum
from gnbv_templates.forms.model import child_form
from gnbv_templates.forms.periods import parse_period
from gnbv_templates.forms.units import Unit
from gnbv_templates.read.reader import ReturnFile

RESULT_SHEET = "Kết quả kiểm tra"
MAX_CHILDREN = 4_000  # a province once had ~600 communes; stays under reader.MAX_ROWS
_FORM_ID = re.compile(r"B\d{2}")


@dataclass
class Identified:
    issue: Issue
    forms: list[str]  # form ids, in issued order
    sheets: dict[str, str]  # form id → sheet name as issued
    version: str
    findings: list[fd.Finding] = field(default_factory=list)
    from_metadata: bool = True


def identify(ret: ReturnFile, catalog: Catalog) -> Identified:
    read = ret.metadata
    found: list[fd.Finding] = []
    if read.meta is not None and not _sane(read.meta, catalog):
        # the digest is a checksum, not a signature: metadata can be consistent and still nonsense
        read = type(read)(None, "digest", read.items_end, read.source)
    if read.meta is not None and read.problem is None:
        meta = read.meta
        issue = issue_from_meta(meta)
        return Identified(issue, [f["id"] for f in meta.forms], {f["id"]: f["sheet"] for f in meta.forms},
                          meta.catalog_version, found)
    if read.problem == "digest":
        found.append(fd.make("structure.meta-altered", sheet=META_SHEET))
    elif read.problem in ("missing", "unreadable"):
        found.append(fd.make("structure.meta-missing"))
    identities = {}
    for sheet in ret.sheet_names:
        if sheet in (META_SHEET, RESULT_SHEET):
            continue
        ident = ret.identity(sheet)
        if ident and ident["form"] in catalog.forms and ident["form"] not in identities:
            identities[ident["form"]] = (sheet, ident)
    if not identities:
        if read.meta is not None:  # altered metadata and no visible identity: use what it says, flagged
            meta = read.meta
            return Identified(issue_from_meta(meta), [f["id"] for f in meta.forms],
                              {f["id"]: f["sheet"] for f in meta.forms}, meta.catalog_version, found)
        raise UnreadableFile(
            f"Tệp {ret.name} không phải biểu mẫu GNBV (không có siêu dữ liệu, không có dòng định danh).",
            reason="not-gnbv",
            english=f"{ret.name} is not a GNBV return (no metadata, no identity line).",
        )
    usable = [ident for _, ident in identities.values() if _period_ok(ident)]
    if not usable and read.meta is None:
        raise UnreadableFile(
            f"Tệp {ret.name} không phải biểu mẫu GNBV (dòng định danh không ghi kỳ báo cáo hợp lệ).",
            reason="not-gnbv",
            english=f"{ret.name} is not a GNBV return (no identity line names a valid period).",
        )
    first = usable[0] if usable else next(iter(identities.values()))[1]
    if read.meta is not None:
        meta = read.meta
        issue = issue_from_meta(meta)
        forms = [f["id"] for f in meta.forms]
        sheets = {f["id"]: f["sheet"] for f in meta.forms}
        version = meta.catalog_version
    else:
        unit = Unit(first["unit"], _unit_name(ret, identities), "", None)
        issue = Issue(unit=unit, period=parse_period(first["period"]), issued=dt.date.today(),
                      settings=Settings("", "", "", literal=True), parent=None,
                      children=_children_listed(ret, catalog, identities))
        forms = sorted(identities)
        sheets = {f: catalog.forms[f].sheet for f in forms}
        version = first["version"]
    return Identified(issue, forms, sheets, version, found, from_metadata=False)


def _period_ok(ident: dict[str, str]) -> bool:
    try:
        parse_period(ident["period"])
    except UsageError:
        return False
    return True


def _sane(meta: Metadata, catalog: Catalog) -> bool:
    """Metadata whose every field has the shape this package writes (whatever its digest says)."""
    try:
        parse_period(meta.period)
        if meta.issued:
            dt.date.fromisoformat(meta.issued)
    except (UsageError, ValueError):
        return False
    if not meta.unit_code.strip() or not isinstance(meta.forms, list) or not isinstance(meta.children, list):
        return False
    if not meta.forms or len(meta.children) > MAX_CHILDREN or not isinstance(meta.locked, list):
        return False
    ids = []
    for form in meta.forms:
        if not isinstance(form, dict) or not all(isinstance(form.get(k), str) for k in ("id", "sheet")):
            return False
        if not _FORM_ID.fullmatch(form["id"]) or not form["sheet"]:
            return False
        ids.append(form["id"])
    if len(set(ids)) != len(ids):
        return False
    if meta.catalog_version == catalog.version and not set(ids) <= set(catalog.forms):
        return False
    for child in meta.children:
        if not isinstance(child, dict) or not all(isinstance(child.get(k), str) for k in ("code", "name")):
            return False
    return all(isinstance(item, str) for item in meta.locked)


def issue_from_meta(meta: Metadata) -> Issue:
    """The Issue a workbook was made for, as its metadata sheet records it (for validate and for fill)."""
    parent = Unit(meta.parent_code, meta.parent_name, "", None) if meta.parent_code else None
    return Issue(
        unit=Unit(meta.unit_code, meta.unit_name, meta.unit_level, meta.parent_code or None),
        period=parse_period(meta.period),
        issued=dt.date.fromisoformat(meta.issued) if meta.issued else dt.date.today(),
        settings=Settings(meta.receiving_agency, meta.preparer_title, meta.head_title, literal=True),
        parent=parent,
        children=tuple(Unit(c["code"], c["name"], c.get("level", ""), meta.unit_code) for c in meta.children),
    )


def _unit_name(ret: ReturnFile, identities: dict) -> str:
    sheet = next(iter(identities.values()))[0]
    first = ret.value(sheet, 0, 0)
    if isinstance(first, str) and ":" in first:
        return shown_text(first.split(":", 1)[1].strip())
    return ""


def _children_listed(ret: ReturnFile, catalog: Catalog, identities: dict) -> tuple[Unit, ...]:
    """Without metadata, the child units are read back from the code column of the form that lists them."""
    child = child_form(catalog.forms.values())
    if child is None or child.id not in identities:
        return ()
    sheet = identities[child.id][0]
    code_col, label_col, total = child.code_col, child.label_col, child.total_row
    out = []
    grid = ret.grid(sheet)
    started = False
    for row in grid:
        code = _text(row[code_col]) if len(row) > code_col else ""
        if code == total:
            started = True
            continue
        if started and code.isdigit():
            out.append(Unit(code, shown_text(_text(row[label_col])) if len(row) > label_col else "", "", None))
            if len(out) >= MAX_CHILDREN:
                break
        elif started and not code and out:
            break
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def expected_mark(form: str, version: str, unit: str, period: str, fingerprint: str) -> str:
    return checksum(form, version, unit, period, fingerprint)
