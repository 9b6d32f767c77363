"""Writing template packs: one workbook per unit and period, from the form model."""
