from pathlib import Path

from gnbv_templates.forms.docs import forms_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_forms_doc_is_generated_from_the_catalog(catalog):
    committed = (ROOT / "docs" / "forms.md").read_text(encoding="utf-8")
    assert committed == forms_markdown(catalog), (
        "docs/forms.md is stale: python -m gnbv_templates.forms.docs > docs/forms.md"
    )
