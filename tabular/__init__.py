"""Tabular data in and out: the one export writer (CSV and .xlsx, formulas neutralised) and the
one row-import framework (line-numbered errors, idempotent by key) the domain apps build on.

A service package like `media` and `search`: it imports no domain app.
"""
