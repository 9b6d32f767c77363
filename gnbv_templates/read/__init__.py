"""Reading a returned workbook safely: refusing hostile files, reading cells, identifying forms."""
