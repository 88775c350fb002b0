import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tabular.exports import Table, csv_bytes, export_response, xlsx_bytes

HOSTILE = ["=HYPERLINK(\"https://evil.example\",\"点我\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\ry"]


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_neutralises_formula_like_text_and_keeps_numbers():
    rows = _csv_rows(csv_bytes(Table(["名称", "次数"], [[text, -3] for text in HOSTILE])))
    assert rows[0] == ["名称", "次数"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in HOSTILE]
    assert {r[1] for r in rows[1:]} == {"-3"}  # a number is not text someone typed


def test_csv_formats_dates_times_booleans_and_empty_cells():
    moment = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))
    rows = _csv_rows(csv_bytes(Table(["a", "b", "c", "d"], [[dt.date(2026, 3, 1), moment, True, None]])))
    assert rows[1] == ["2026-03-01", "2026-03-01 09:30", "是", ""]


def test_xlsx_stores_formula_like_text_as_text_exactly():
    body = xlsx_bytes(Table(["名称", "日期"], [[text, dt.date(2026, 1, 2)] for text in HOSTILE], title="=标题"))
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A1"].value == "=标题" and sheet["A1"].data_type == "s"
    # XML reads a carriage return back as a line feed; the text is otherwise exactly what was typed.
    expected = [text.replace("\r", "\n") for text in HOSTILE]
    assert [sheet.cell(row=3 + i, column=1).value for i in range(len(HOSTILE))] == expected
    assert all(sheet.cell(row=3 + i, column=1).data_type == "s" for i in range(len(HOSTILE)))
    assert sheet["B3"].value == dt.datetime(2026, 1, 2) and sheet["B3"].number_format == "yyyy-mm-dd"


def test_export_response_names_the_file_and_refuses_unknown_formats():
    table = Table(["a"], [["1"]])
    response = export_response(table, "学习记录-2026", "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    xlsx = export_response(table, "register", "xlsx")
    assert xlsx["Content-Disposition"] == 'attachment; filename="register.xlsx"'
    assert xlsx.content[:2] == b"PK"
    with pytest.raises(ValueError):
        export_response(table, "x", "pdf")
