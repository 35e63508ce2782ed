"""Import of a firm's clients from CSV or Excel, with a per-row error report (FIRM-1).

The registry import's machinery does the generic work: reading files in any encoding people use
(`registry.importing.readers`), matching headers (`layouts.Layout`), parsing cells and collecting
issues (`base.Importer`), the error report (`reports`) and the uploaded file between steps
(`uploads`). This package adds the client layout (`layout`), the rules of a client row
(`importer`) and the run: check every row, then apply all of them or none (`run`).
"""
