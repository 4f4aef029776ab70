"""Framework-free readers and writers for the files resultsday exchanges (DESIGN.md §3).

- :mod:`resultsday.formats.columns`: the column specification shared by readers and writers.
- :mod:`resultsday.formats.tabular`: reading uploaded CSV and XLSX files.
- :mod:`resultsday.formats.safe_output`: writing CSV and XLSX with formula injection
  neutralised, and import templates.
- :mod:`resultsday.formats.edi`: JCQ fixed-width EDI files (exchange-formats.md §1).
- :mod:`resultsday.formats.rfile`: a centre's qualification results as a JCQ results (R) file.

See docs/formats.md for what each accepts and produces.
"""
