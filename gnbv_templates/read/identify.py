"""Which unit, period and forms a returned workbook is: from its metadata, or its visible identity lines."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gnbv_templates.findings as fd
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.findings import shown_text
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.context import Issue, Settings
from gnbv_templates.forms.metadata import META_SHEET, Metadata, checksum
from gnbv_templates.forms.model import child_form
from gnbv_templates.forms.periods import parse_period
from gnbv_templates.forms.signature import verify
from gnbv_templates.forms.units import Unit
from gnbv_templates.read.reader import ReturnFile
from gnbv_templates.read.structure import locate

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
    if read.meta is not None and not _sane(read.meta, catalog):
        # the digest is a checksum, not a signature: metadata can be consistent and still nonsense
        read = type(read)(None, "digest")
    if read.meta is not None and read.problem is None:
        return _trusted(ret, catalog, read.meta)
    found = [fd.make("structure.meta-altered", sheet=META_SHEET)] if read.problem == "digest" else (
        [fd.make("structure.meta-missing")] if read.problem in ("missing", "unreadable") else [])
    identities = _visible_identities(ret, catalog)
    if read.meta is not None:  # altered metadata: used, flagged, and checked against the identity lines
        meta = read.meta
        return Identified(issue_from_meta(meta), [f["id"] for f in meta.forms],
                          {f["id"]: f["sheet"] for f in meta.forms}, meta.catalog_version, found,
                          from_metadata=not identities)
    if not identities:
        raise _not_gnbv(ret, "không có siêu dữ liệu, không có dòng định danh", "no metadata, no identity line")
    usable = [ident for _, ident in identities.values() if _period_ok(ident)]
    if not usable:
        raise _not_gnbv(ret, "dòng định danh không ghi kỳ báo cáo hợp lệ", "no identity line names a valid period")
    return _from_identities(ret, catalog, identities, usable[0], found)


def _not_gnbv(ret: ReturnFile, why: str, why_en: str) -> UnreadableFile:
    return UnreadableFile(f"Tệp {ret.name} không phải biểu mẫu GNBV ({why}).", reason="not-gnbv",
                          english=f"{ret.name} is not a GNBV return ({why_en}).")


def _trusted(ret: ReturnFile, catalog: Catalog, meta: Metadata) -> Identified:
    """Metadata with a right digest and a sane shape: its issue is taken, not its word on which forms there are."""
    issue = issue_from_meta(meta)
    forms, sheets = [f["id"] for f in meta.forms], {f["id"]: f["sheet"] for f in meta.forms}
    found: list[fd.Finding] = []
    if meta.catalog_version == catalog.version:
        for form_id in forms:  # an issued pack names each sheet as the catalog does
            named = catalog.forms[form_id].sheet
            if sheets[form_id] != named and named in ret.sheet_names:
                found.append(fd.make("structure.meta-disagrees", form=form_id, sheet=named, value=sheets[form_id],
                                     expected=named))
                sheets[form_id] = named  # the sheet a person sees as this form is the one checked
        context = issue.context(catalog)
        for form_id, sheet in unlisted_forms(ret, catalog, forms, set(sheets.values()), context):
            # a form sheet the metadata leaves out is checked all the same, and the disagreement is an error
            forms.append(form_id)
            sheets[form_id] = sheet
            found.append(fd.make("structure.meta-disagrees", form=form_id, sheet=sheet, value=sheet))
        if found:  # in the catalog's order, as issued: the sheets' order is checked against it
            order = list(catalog.forms)
            forms.sort(key=lambda f: order.index(f) if f in order else len(order))
    return Identified(issue, forms, sheets, meta.catalog_version, found)


def _visible_identities(ret: ReturnFile, catalog: Catalog) -> dict[str, tuple[str, dict[str, str]]]:
    """form id → (sheet, identity line) of each sheet whose visible identity line names a catalog form."""
    identities: dict[str, tuple[str, dict[str, str]]] = {}
    for sheet in ret.sheet_names:
        if sheet in (META_SHEET, RESULT_SHEET):
            continue
        ident = ret.identity(sheet)
        if ident and ident["form"] in catalog.forms and ident["form"] not in identities:
            identities[ident["form"]] = (sheet, ident)
    return identities


def _from_identities(ret: ReturnFile, catalog: Catalog, identities: dict[str, tuple[str, dict[str, str]]],
                     first: dict[str, str], found: list[fd.Finding]) -> Identified:
    """Without metadata: unit, period and forms as the identity lines give them."""
    unit = Unit(first["unit"], _unit_name(ret, identities), "", None)
    issue = Issue(unit=unit, period=parse_period(first["period"]), issued=dt.date.today(),
                  settings=Settings("", "", "", literal=True), parent=None,
                  children=_children_listed(ret, catalog, identities))
    forms = sorted(identities)
    return Identified(issue, forms, {f: catalog.forms[f].sheet for f in forms}, first["version"], found,
                      from_metadata=False)


def unlisted_forms(ret: ReturnFile, catalog: Catalog, listed: list[str], listed_sheets: set[str],
                   context: dict[str, Any]) -> list[tuple[str, str]]:
    """(form, sheet) of every form sheet the metadata does not list: a sheet whose identity line names a
    form of the catalog, a sheet named as one, or (both gone) a sheet with a form's row and column codes."""
    out: list[tuple[str, str]] = []
    seen = set(listed)
    by_name = {form.sheet: form_id for form_id, form in catalog.forms.items()}
    for sheet in ret.sheet_names:
        if sheet in listed_sheets or sheet in (META_SHEET, RESULT_SHEET):
            continue
        ident = ret.identity(sheet)
        candidates = [ident["form"] if ident else None, by_name.get(sheet)]
        form_id = next((f for f in candidates if f in catalog.forms and f not in seen), None)
        if form_id is None and not any(f in catalog.forms for f in candidates):
            form_id = _form_by_structure(ret, catalog, sheet, seen, context)
        if form_id is not None:
            seen.add(form_id)
            out.append((form_id, sheet))
    return out


def _form_by_structure(ret: ReturnFile, catalog: Catalog, sheet: str, seen: set[str],
                       context: dict[str, Any]) -> str | None:
    """The form whose every column code and most row codes a sheet carries where the form has them."""
    grid = ret.grid(sheet)
    for form_id in catalog.forms:
        if form_id in seen:
            continue
        layout = catalog.layout(form_id, context)
        located = locate(layout, grid, sheet)
        if len(located.cols) == len(layout.columns) and len(located.rows) >= 0.8 * len(layout.rows) > 0:
            return form_id
    return None


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
    ids = _form_ids(meta.forms)
    if ids is None or (meta.catalog_version == catalog.version and not set(ids) <= set(catalog.forms)):
        return False
    children_ok = all(_strings(child, ("code", "name")) for child in meta.children)
    return children_ok and all(isinstance(item, str) for item in meta.locked)


def _strings(item: object, keys: tuple[str, ...]) -> bool:
    return isinstance(item, dict) and all(isinstance(item.get(k), str) for k in keys)


def _form_ids(forms: Sequence[object]) -> list[str] | None:
    """The form ids of the metadata's form list, or None if the list is not of the shape written."""
    ids = []
    for form in forms:
        if not _strings(form, ("id", "sheet")):
            return None
        assert isinstance(form, dict)
        if not _FORM_ID.fullmatch(form["id"]) or not form["sheet"]:
            return None
        ids.append(form["id"])
    return ids if len(set(ids)) == len(ids) else None


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


def signature_findings(ret: ReturnFile, key: bytes) -> list[fd.Finding]:
    """With the issuing office's key: is this the metadata it signed (forms and fingerprints included)?"""
    read = ret.metadata
    if read.meta is None or not read.signature:
        return [fd.make("identity.unsigned", sheet=META_SHEET if read.meta is not None else "")]
    if not verify(read.meta, read.signature, key):
        return [fd.make("identity.signature-invalid", sheet=META_SHEET)]
    return []


def expected_mark(form: str, version: str, unit: str, period: str, fingerprint: str) -> str:
    return checksum(form, version, unit, period, fingerprint)
