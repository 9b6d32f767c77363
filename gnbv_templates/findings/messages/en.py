"""English wording (``--lang en``): the same keys as ``vi.py``."""

from __future__ import annotations

FINDINGS: dict[str, str] = {
    # structure and identity
    "structure.meta-missing": "The metadata sheet is missing; forms were identified from each sheet's identity line.",
    "structure.meta-altered": "The metadata sheet was edited (digest mismatch).",
    "structure.meta-disagrees": "The metadata disagrees with the sheets: sheet {sheet} is {form} but the metadata "
                                "does not say so; the sheet was checked all the same.",
    "structure.unidentified": "Cannot tell which GNBV forms this file holds (no metadata, no identity line).",
    "structure.catalog-version": "The file was issued with catalog version {found}; this tool has {expected}.",
    "structure.catalog-older": "The file was issued with catalog version {found}: it was checked by that version's "
                               "own forms and rules (current catalog: {expected}).",
    "form.empty": "Form {form} holds no figures: it is not checked, nor compared with other forms.",
    "form.required-missing": "Form {form} has {count} required cells left empty (the first: row {row}, column {col}).",
    "form.required-empty": "Form {form} holds no figures, not even its {count} required cells.",
    "structure.sheet-missing": "Sheet {sheet} ({form}) is missing: deleted or renamed.",
    "structure.sheet-renamed": "The sheet of {form} was renamed to {found} (expected {expected}).",
    "structure.sheet-order": "The sheets were reordered.",
    "structure.form-changed": "Form {form} was issued from other definitions than the catalog in use (same version "
                              "{version}, structure {found} instead of {expected}): the definitions used at issue are "
                              "needed.",
    "structure.identity-mismatch": "The sheet's identity line does not match what was issued ({found}).",
    "structure.row-missing": "Row {row} ({label}) is gone: deleted or its code was changed.",
    "structure.row-moved": "Row {row} moved from sheet row {expected} to {found} (rows inserted, deleted or moved).",
    "structure.row-extra": "An unknown row was inserted in the table at sheet row {found}.",
    "structure.column-missing": "Column {col} is gone: deleted or renumbered.",
    "structure.column-moved": "Column {col} moved from {expected} to {found} (columns inserted, deleted or moved).",
    "identity.unit": "The reporting unit is {found}, but the form was issued to {expected}.",
    "identity.period": "The period is {found}, but the form was issued for {expected}.",
    "identity.header": "The header was edited: it reads {found!r}, expected {expected!r}.",
    "identity.unsigned": "The file carries no signature of the issuing office: it cannot be shown to be an issued "
                         "pack (its metadata may have been replaced).",
    "identity.signature-invalid": "The issuing office's signature does not match: the metadata (forms, unit, period) "
                                  "was changed after issue, or the pack was issued elsewhere.",
    # values of input cells
    "value.not-a-number": "This cell must be a number ({measure}) but holds {found!r}.",
    "value.text-number": "A number typed as text ({found!r}); read as {expected}. Re-type it as a number.",
    "value.ambiguous-number": "It is unclear whether {found!r} has a decimal or a thousands separator; read as "
                              "{expected}.",
    "value.placeholder": "The cell holds {found!r} instead of a number; treated as blank.",
    "value.excel-error": "The cell holds the Excel error {found}.",
    "value.date": "The cell holds a date ({found}); it must be a number ({measure}).",
    "value.formula-no-value": "An input cell holds the formula {found} but the file keeps no computed value, so it "
                              "cannot be read. Type the number, or open the file in Excel or LibreOffice and save it "
                              "again.",
    "value.formula-in-input": "An input cell holds a formula; its value was used.",
    "value.formula-unsafe": "An input cell holds the formula {found}, which reaches outside the workbook (DDE, "
                            "another file, a link or a function no form uses): type the number. The annotated "
                            "copy does not keep this formula.",
    "value.negative": "The value {found} is negative; it must be 0 or more (unit: {measure}).",
    "value.not-integer": "The value {found} must be a whole number (unit: {measure}).",
    "value.out-of-range": "The value {found} is outside the allowed range {expected}.",
    "value.not-allowed": "The value {found!r} is not one of: {expected}.",
    "value.required": "This required cell is empty.",
    # derived cells
    "derived.overwritten-same": "A formula cell was overwritten with a number (it matches for now: {found}). Restore "
                                "the formula.",
    "derived.sum-mismatch": "The total {found} is not the sum of its parts {expected} ({declaration}).{hint}",
    "derived.ratio-mismatch": "The rate {found}% does not match its numerator and denominator: {expected}% "
                              "({declaration}).{hint}",
    "derived.formula-mismatch": "The value {found} does not match {declaration}: it should be {expected}.{hint}",
    "derived.parts-exceed-total": "The stated total {found} is less than its filled parts add up to ({expected}, "
                                  "empty parts not counted) ({declaration}).",
    "derived.stated-total": "The total {found} is typed instead of its formula ({declaration}) while some parts are "
                            "empty: it is used as stated for the checks and for consolidation.",
    "derived.formula-altered": "The formula was changed to {found}; it should be {expected}.",
    # relations between cells
    "relation.part-exceeds-whole": "The \"of which\" part ({found}) exceeds its whole in row {whole} ({expected}).",
    # the file itself
    "file.macros": "The file contains macros (VBA): they are never run and are not kept in the annotated copy.",
    "file.formula-removed": "A {kind} cell holds the formula {found}: the annotated copy keeps the value the file "
                            "had ({expected}), not the formula.",
    "file.external-links": "The file links to {found} other workbook(s): the links are not followed and values taken "
                           "from them may be stale. The annotated copy does not keep them.",
    # rules: the rule's own message (rules/*.yaml) is used; this is the fallback
    "rule.failed": "Rule {rule} does not hold: {found} against {expected}.",
    "rule.not-enough-figures": "Not enough figures to check rule {rule} ({count} places with empty cells, "
                               "e.g. row {row} column {col}).",
    "rule.not-evaluated": "Rule {rule} could not be evaluated: {reason}.",
    # across periods
    "period.stock-flow": "{label} — {what_en} at the start of the period is {found}, but the return for "
                         "{earlier_period} gives {expected} ({basis}).",
    "period.decreased": "{label} — {what_en}, a cumulative figure, is {found}, below the {expected} reported for "
                        "{earlier_period} ({basis}).",
    "period.plan-changed": "{label} — {what_en} is {found}, unlike the {expected} reported for {earlier_period}, "
                           "and the note does not say the plan was adjusted ({basis}).",
    "period.jump": "{label} — {what_en} is {found}, more than {factor} times different from {earlier_period} "
                   "({expected}): check it.",
    "period.outlier": "{label} — {what_en} is {found}, far from {units} sibling units ({method}; typical "
                      "{expected}): check it.",
    # the program's fault
    "internal.check-failed": "Program error in the check {check} ({error}): that check did not finish, the others "
                             "ran. This is not the file's fault; please report it to whoever runs the program.",
}

TEXTS: dict[str, str] = {
    # pieces of finding messages
    "hint.formula-gone": " The cell's formula was deleted or typed over: restore it.",
    "reason.missing-cell": "a cell it refers to is missing",
    "cell-kind.input": "input",
    "cell-kind.derived": "formula",
    "cell-kind.other": "out-of-form",
    # severities
    "severity.error": "Error",
    "severity.warning": "Warning",
    "severity.info": "Note",
    # statuses of a file in a folder run
    "status.valid": "valid",
    "status.has-errors": "has errors",
    "status.unreadable": "unreadable",
    "status.missing": "not submitted",
    "status.program-error": "program error",
    # folder runs
    "batch.cannot-open": "Cannot open the file: {reason}",
    "batch.program-error": "Program error while checking this file ({error}); the file was not fully checked and may "
                           "have no errors. Please report it to whoever runs the program.",
    "batch.annotate-failed": "Could not write the annotated copy ({error}).",
    # the command line
    "cli.error": "Error: {message}",
    "cli.definition-error": "Error in the form definitions:",
    "cli.internal-error": "Internal error ({error}): {detail}. Set GNBV_DEBUG=1 for details.",
    "cli.stopped": "Stopped.",
    "cli.bad-command": "Invalid command: {message} (see gnbv --help).",
    "cli.validated": "{file}: {unit} {unit_name} · {period} · {errors} errors, {warnings} warnings",
    "cli.more-findings": "… and {count} more",
    "cli.json-written": "JSON report: {path}",
    "cli.annotated-written": "Annotated copy: {path}",
    "cli.folder-row": "{unit:>6} {unit_name:<32} {status:<15} {errors:>4} errors {warnings:>4} warnings",
    "cli.folder-scope": "Parent unit {parent} {parent_name}, period {period}: {chosen} submitted, {missing} missing",
    "cli.folder-written": "Summary: {xlsx} and {json}",
    # the error sheet of an annotated copy
    "annotate.title": "VALIDATION RESULT — {file}",
    "annotate.unit": "Unit: {unit} {unit_name}",
    "annotate.period": "Period: {period}",
    "annotate.counts": "Errors: {errors} · Warnings: {warnings}",
    "annotate.help": "Click a cell address in column D to go to the cell; errors are red, warnings amber, each "
                     "with a note. “Expected” is the value the cell should hold, or the limit it must keep to "
                     "(≤, ≥); empty when there is none.",
    "annotate.hashes": "A cell showing ### is narrower than its number: widen the column (or double-click the right "
                       "edge of its heading) to see it; nothing is lost.",
    "annotate.heading": "No|Severity|Form|Cell|Item (row code)|Value|Expected|Message|Kind, basis|Code",
    # kinds of finding, by the family of their code
    "kind.structure": "Form structure",
    "kind.identity": "Unit, period",
    "kind.value": "Entered value",
    "kind.derived": "Computed cell (formula)",
    "kind.relation": "Relation between rows",
    "kind.rule": "Validation rule",
    "kind.period": "Against the last period",
    "kind.file": "File",
    "kind.internal": "Program error",
}
