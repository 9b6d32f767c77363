"""A validation report and its renderings: JSON and the annotated copy."""
