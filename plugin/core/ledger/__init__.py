"""The rectification ledger (整改台账): its columns and templates, cells, the rows and summaries
built from a result, how its sheets print, the Excel workbook, and the analysts' columns read
back, checked and written into the result."""
