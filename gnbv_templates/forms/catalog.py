"""Loading and checking the catalog of forms (templates/*.yaml)."""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.errors import DefinitionError, UsageError
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import render
from gnbv_templates.forms.cache import cached
from gnbv_templates.forms.context import sample_context
from gnbv_templates.forms.layout import build_layout, expand_rows
from gnbv_templates.forms.metaschema import CATALOG, FORM, checked_documents, schema_problems
from gnbv_templates.forms.model import ColumnDef, FormDefinition, FormLayout, Measure, RowDef
from gnbv_templates.forms.resources import templates_dir
from gnbv_templates.forms.yamlsource import load_yaml


@dataclass
class Catalog:
    version: str
    name: str
    content_hash: str
    measures: dict[str, Measure]
    header: list[str]
    signature: list[list[str]]
    forms: dict[str, FormDefinition]
    directory: Path
    _static: dict[str, FormLayout] = field(default_factory=dict, repr=False)
    # forms with repeated rows (Biểu 15: one row per unit below), by what the rows expanded to:
    # a unit's layout is built once in a batch, however many times its files or its pack ask for it
    _repeated: OrderedDict[tuple, FormLayout] = field(default_factory=OrderedDict, repr=False, compare=False)

    def form(self, form_id: str) -> FormDefinition:
        key = str(form_id).strip().upper()
        if key not in self.forms:
            raise UsageError(
                f"Không có biểu {form_id!r} trong danh mục (có: {', '.join(self.forms)}).",
                english=f"No form {form_id!r} in the catalog.",
            )
        return self.forms[key]

    def select(self, ids: list[str] | None) -> list[FormDefinition]:
        return [self.form(i) for i in ids] if ids else list(self.forms.values())

    def layout(self, form_id: str, context: dict[str, Any]) -> FormLayout:
        """The concrete layout; forms without repeated rows are built once."""
        definition = self.form(form_id)
        with _LAYOUTS:  # one catalog serves every thread of a thread-pool executor
            if not definition.has_repeat:
                found = self._static.get(definition.id)
                if found is None:
                    found = self._static[definition.id] = build_layout(definition, self.measures,
                                                                      len(self.header), context)
                return found
            # only the repeated rows depend on the context (see layout.expand_rows)
            key = (definition.id, tuple((r.code, r.label, r.stt) for r in expand_rows(definition, context)))
            found = self._repeated.get(key)
            if found is None:
                found = build_layout(definition, self.measures, len(self.header), context)
                self._repeated[key] = found
                while len(self._repeated) > 1 and (len(self._repeated) > _REPEATED_KEPT or sum(
                        len(kept.cells) for kept in self._repeated.values()) > _REPEATED_CELLS):
                    self._repeated.popitem(last=False)
            else:
                self._repeated.move_to_end(key)
            return found

    def __getstate__(self) -> dict[str, Any]:
        # layouts are rebuilt where used (faster than unpickling them): only the definitions travel
        return {**self.__dict__, "_static": {}, "_repeated": OrderedDict()}


_LAYOUTS = threading.RLock()
_REPEATED_KEPT = 8  # per process: a unit seen by the writer and the checks in turn
# and at most so many cells in all (the newest is always kept): a province's Biểu 15, a row per district, is
# about 6.000 cells and ten megabytes with what the checks compile for it; a district's is a few hundred
_REPEATED_CELLS = 16_000


@dataclass
class _Compiled:
    """What the disk cache keeps of a catalog: the catalog, and the layouts of its forms without repeated rows.

    Those layouts depend on nothing but the definitions, and were built when the catalog was checked; read
    back (see cache._by_constructor), with what every check asks of them already worked out, they cost a
    fresh process less than building them again."""

    catalog: Catalog
    layouts: dict[str, FormLayout]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.catalog._static.update(self.layouts)


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _content_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Load and check every definition; all problems are reported at once.

    Loaded once per process and kept on disk between processes, keyed by the
    files' content: an edited definition is always read afresh.  The catalog
    returned is shared; treat it as read-only.
    """
    directory = Path(directory) if directory else templates_dir()
    catalog_path = directory / "catalog.yaml"
    if not catalog_path.is_file():
        raise DefinitionError([f"{catalog_path}: không có tệp catalog.yaml"])
    files = [catalog_path, *sorted(directory.glob("bieu_*.yaml"))]
    return cached("catalog", directory, files, lambda: _compile(directory, catalog_path), _Compiled).catalog


def _compile(directory: Path, catalog_path: Path) -> _Compiled:
    catalog = _load_catalog(directory, catalog_path)
    layouts = dict(catalog._static)  # built by _check_layouts
    for layout in layouts.values():  # what the checks of every return ask of each layout
        layout.inputs, layout.rows_by_code, layout.excel_formulas, layout.fingerprint  # noqa: B018
    return _Compiled(catalog, layouts)


def _load_catalog(directory: Path, catalog_path: Path) -> Catalog:
    problems: list[str] = []
    meta = load_yaml(catalog_path)
    problems += schema_problems(catalog_path, meta, CATALOG)
    if problems:
        raise DefinitionError(problems)
    measures = _measures(meta)
    for line in meta["header"] + [t for pair in meta.get("signature", []) for t in pair]:
        if err := render.syntax_error(line):
            problems.append(f"{catalog_path}:{meta.line}: mẫu Jinja lỗi: {err}")
    form_paths = sorted(directory.glob("bieu_*.yaml"))
    if not form_paths:
        problems.append(f"{directory}: không có tệp bieu_*.yaml nào")
    forms = _load_forms(form_paths, measures, problems)
    if problems:
        raise DefinitionError(problems)
    catalog = Catalog(
        version=meta["version"],
        name=meta.get("name", ""),
        content_hash=_content_hash([catalog_path, *form_paths]),
        measures=measures,
        header=[_nfc(h) for h in meta["header"]],
        signature=[[_nfc(t) for t in pair] for pair in meta.get("signature", [])],
        forms=dict(sorted(forms.items())),
        directory=directory,
    )
    problems += _check_layouts(catalog)
    if problems:
        raise DefinitionError(problems)
    return catalog


def _measures(meta: Any) -> dict[str, Measure]:
    """The units of measure of catalog.yaml, each of a kind the form model declares."""
    measures = {
        _nfc(name): Measure(_nfc(name), spec["type"], spec.get("max"), spec.get("tolerance"))
        for name, spec in meta["measures"].items()
    }
    measures.setdefault("text", Measure("text", "text"))
    return measures


def _load_forms(form_paths: list[Path], measures: dict[str, Measure], problems: list[str]
                ) -> dict[str, FormDefinition]:
    """Every form definition; what is wrong goes to ``problems`` (all of it, not the first)."""
    forms: dict[str, FormDefinition] = {}
    sheets: dict[str, Path] = {}
    for path, doc in checked_documents(form_paths, FORM, problems):
        definition, found = _build_definition(path, doc, measures)
        problems += found
        if definition.id in forms:
            other = forms[definition.id].path.name
            problems.append(f"{path}:{doc.lines['id']}: mã biểu {definition.id} trùng với {other}")
        if definition.sheet.casefold() in sheets:
            problems.append(f"{path}:{doc.lines['sheet']}: tên trang {definition.sheet!r} trùng")
        sheets[definition.sheet.casefold()] = path
        forms[definition.id] = definition
    return forms


def _formula(raw: dict[str, Any]) -> ex.Node | str | None:
    if "sum" in raw:
        if raw["sum"] == "children":
            return "children"
        return ex.parse(" + ".join(f"[{code}]" for code in raw["sum"]))
    if "ratio" in raw:
        num, den = raw["ratio"]
        return ex.parse(f"[{num}] / [{den}] * 100")
    if "expr" in raw:
        return ex.parse(raw["expr"])
    return None


def _build_definition(
    path: Path, doc: dict[str, Any], measures: dict[str, Measure]
) -> tuple[FormDefinition, list[str]]:
    problems: list[str] = []

    def at(node: Any, key: str) -> str:
        return f"{path}:{getattr(node, 'lines', {}).get(key, getattr(node, 'line', 1))}"

    def formula_of(raw: Any) -> ex.Node | str | None:
        try:
            return _formula(raw)
        except ex.ExpressionError as exc:
            problems.append(f"{at(raw, 'expr')}: biểu thức lỗi: {exc}")
            return None

    columns: list[ColumnDef] = []
    for raw in doc["columns"]:
        formula = formula_of(raw)
        columns.append(
            ColumnDef(
                code=raw["code"],
                label=_nfc(raw["label"]),
                heading=tuple(_nfc(h) for h in raw.get("heading", [])),
                measure=_nfc(raw.get("measure")),
                formula=formula,  # type: ignore[arg-type]
                choices=tuple(_nfc(c) for c in raw.get("choices", [])),
                width=raw.get("width"),
                line=raw.line,
            )
        )
    rows: list[RowDef] = []
    for raw in doc["rows"]:
        formula = formula_of(raw)
        repeat = raw.get("repeat")
        rows.append(
            RowDef(
                code=raw["code"],
                label=_nfc(raw["label"]),
                stt=str(raw.get("stt", "")),
                measure=_nfc(raw.get("measure")),
                parent=raw.get("parent"),
                part_of=raw.get("part_of"),
                formula=formula,
                section=bool(raw.get("section")),
                na=frozenset(raw.get("na", [])),
                required=bool(raw.get("required")),
                bold=bool(raw.get("bold")),
                repeat=(repeat["over"], repeat["as"]) if repeat else None,
                line=raw.line,
            )
        )
    definition = FormDefinition(
        id=doc["id"],
        sheet=_nfc(doc["sheet"]),
        title=_nfc(doc["title"]),
        subtitle=_nfc(doc.get("subtitle")),
        unit_note=_nfc(doc.get("unit_note")),
        measure=_nfc(doc.get("measure")),
        row_measures=bool(doc.get("row_measures")),
        rows_per_child=bool(doc.get("rows_per_child")),
        label_heading=_nfc(doc.get("label_heading", "Chỉ tiêu")),
        columns=tuple(columns),
        rows=tuple(rows),
        path=path,
    )
    problems += _check_definition(definition, doc, measures)
    return definition, problems


def _check_definition(d: FormDefinition, doc: Any, measures: dict[str, Measure]) -> list[str]:
    """Every problem of one form's definition, each with its file and line."""
    col_codes = {col.code for col in d.columns}
    row_codes = {row.code for row in d.rows if not row.repeat}
    return [
        *_check_columns(d, measures),
        *_check_repeats(d),
        *_check_rows(d, measures, row_codes, col_codes),
        *_check_column_formulas(d, col_codes),
        *_check_form(d, doc),
    ]


def _check_columns(d: FormDefinition, measures: dict[str, Measure]) -> Iterator[str]:
    seen: set[str] = set()
    for col in d.columns:
        if col.code in seen:
            yield f"{d.path}:{col.line}: mã cột {col.code!r} bị trùng"
        seen.add(col.code)
        if col.measure and col.measure not in measures:
            yield f"{d.path}:{col.line}: đơn vị tính {col.measure!r} không có trong catalog.yaml"


def _check_repeats(d: FormDefinition) -> Iterator[str]:
    """Repeated rows: their templates must parse; static rows: their codes must be unique."""
    seen: set[str] = set()
    for row in d.rows:
        if row.repeat:
            for text in (row.code, row.label, row.stt):
                if err := render.syntax_error(text):
                    yield f"{d.path}:{row.line}: mẫu Jinja lỗi: {err}"
            if err := render.syntax_error(row.repeat[0], expression=True):
                yield f"{d.path}:{row.line}: biểu thức lặp lỗi: {err}"
            continue
        if row.code in seen:
            yield f"{d.path}:{row.line}: mã dòng {row.code!r} bị trùng"
        seen.add(row.code)


def _check_rows(d: FormDefinition, measures: dict[str, Measure], row_codes: set[str],
                col_codes: set[str]) -> Iterator[str]:
    for row in (r for r in d.rows if not r.repeat):
        yield from _check_links(d, row, row_codes)
        if row.measure and row.measure not in measures:
            yield f"{d.path}:{row.line}: đơn vị tính {row.measure!r} không có trong catalog.yaml"
        if d.row_measures and not row.section and not row.measure:
            yield f"{d.path}:{row.line}: dòng {row.code} thiếu đơn vị tính (measure)"
        if row.formula is not None and not isinstance(row.formula, str):  # "children" is expanded later
            yield from _check_refs(row.formula, row_codes, f"{d.path}:{row.line}", "dòng")
        yield from (f"{d.path}:{row.line}: na: cột {code!r} không có" for code in row.na if code not in col_codes)


def _check_links(d: FormDefinition, row: RowDef, row_codes: set[str]) -> Iterator[str]:
    for key, code in (("parent", row.parent), ("part_of", row.part_of)):
        if code and code not in row_codes:
            yield f"{d.path}:{row.line}: {key} {code!r} không phải mã dòng nào của biểu"


def _check_column_formulas(d: FormDefinition, col_codes: set[str]) -> Iterator[str]:
    for col in d.columns:
        if col.formula is not None:
            yield from _check_refs(col.formula, col_codes, f"{d.path}:{col.line}", "cột")


def _check_refs(formula: ex.Node, codes: set[str], where: str, axis: str) -> Iterator[str]:
    """A row's formula names rows of its own form only ([mã dòng]); a column's, columns ([mã cột])."""
    for ref in ex.refs(formula):
        if ref.code is None or ref.form:
            yield f"{where}: công thức {axis} chỉ dùng [mã {axis}], gặp {ex.to_text(ref)}"
        elif ref.code not in codes:
            yield f"{where}: công thức dẫn tới {axis} {ref.code!r} không có"


def _check_form(d: FormDefinition, doc: Any) -> Iterator[str]:
    if not d.measure and not d.row_measures:
        yield f"{d.path}:{doc.line}: biểu cần khai báo measure hoặc row_measures: true"
    if d.rows_per_child and d.total_row is None:
        yield f"{d.path}:{doc.line}: rows_per_child: true cần một dòng tổng số có sum: children"
    for key in ("title", "subtitle", "unit_note"):
        text = doc.get(key)
        if text and (err := render.syntax_error(text)):
            yield f"{d.path}:{doc.lines[key]}: mẫu Jinja lỗi: {err}"


def _check_layouts(catalog: Catalog) -> list[str]:
    """Build every form once with a sample context: cycles and odd cells show here."""
    out = []
    context = sample_context(catalog)
    for definition in catalog.forms.values():
        try:
            catalog.layout(definition.id, context)
        except (ValueError, KeyError, TypeError) as exc:
            out.append(f"{definition.path}:1: không dựng được biểu {definition.id}: {exc}")
    return out
