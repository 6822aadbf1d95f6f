"""The rectification ledger (整改台账): its columns and cells, the rows and summaries built from a
result, the Excel workbook, and the analysts' columns checked and written back into the result."""
