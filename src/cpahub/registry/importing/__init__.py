"""Import and export of the industry registry (firms, CPAs, penalties) in CSV and Excel (SUP-1).

- `readers`: bytes → rows (encoding and delimiter detection, xlsx with zip-bomb guards).
- `normalise`: cell values → Python values (dates, numbers, yes/no, codes).
- `layouts`: the default layouts (Chinese and English headers, accepted values) and header matching.
- `engine`: validate every row, then apply all of them in one transaction through `registry.services`.
- `exporters`: the same layouts out again, so that export → import changes nothing.
- `reports`: the downloadable error report.
- `uploads`: uploaded files kept in default storage between the steps of the web import.
"""
