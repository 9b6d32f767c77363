"""Many returns at once: folder validation, completeness, consolidation."""
