import pytest

from tabular.imports import RowError, count_records, read_rows, run_import, text


def test_csv_records_are_numbered_by_the_line_they_start_on(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('code,note\nA," 两行\n的备注 "\nB,\n', encoding="utf-8-sig")
    assert list(read_rows(path, required=["code"])) == [(2, {"code": "A", "note": "两行\n的备注"}), (4, {"code": "B", "note": ""})]
    assert count_records(path) == 2


def test_a_missing_column_is_one_error_on_the_header(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("name\n甲\n", encoding="utf-8")
    [(line, error)] = list(read_rows(path, required=["code", "name"]))
    assert line == 1 and isinstance(error, RowError) and "code" in str(error)


def test_json_lines_skip_blank_lines_and_report_broken_ones(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"code": "A"}\n\n{broken\n[1, 2]\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert rows[0] == (1, {"code": "A"})
    assert [(line, type(error)) for line, error in rows[1:]] == [(3, RowError), (4, RowError)]


def test_other_file_types_are_refused(tmp_path):
    with pytest.raises(RowError, match=".csv"):
        list(read_rows(tmp_path / "rows.xlsx"))


@pytest.mark.django_db
def test_each_row_in_its_own_transaction_and_every_failure_reported():
    from django.contrib.auth import get_user_model

    def import_row(record, report):
        get_user_model().objects.create(username=record["username"])
        if record.get("fail") == "row":
            raise RowError("这一行不对")
        if record.get("fail") == "bug":
            raise KeyError("surprise")
        report.extra["处理"] += 1
        return "created"

    rows = [(2, {"username": "a"}), (3, {"username": "b", "fail": "row"}), (4, RowError("读不出")),
            (5, {"username": "c", "fail": "bug"}), (6, {"username": "d"})]
    report = run_import(rows, import_row)
    assert report.created == 2 and report.extra["处理"] == 2
    assert report.errors[:2] == [(3, "这一行不对"), (4, "读不出")] and report.errors[2][0] == 5
    # The failed rows' writes were rolled back; the good ones kept.
    assert set(get_user_model().objects.values_list("username", flat=True)) == {"a", "d"}
    assert report.summary() == "新增 2，更新 0，未变 0，出错 3，处理 2"


def test_text_fields_are_the_same_from_csv_and_json():
    assert text({"a": " 甲 "}, "a") == "甲" and text({"a": 7}, "a") == "7" and text({}, "a") == ""
    with pytest.raises(RowError, match="应为文字"):
        text({"a": ["x"]}, "a")
    with pytest.raises(RowError, match="超过 3 字"):
        text({"a": "一二三四"}, "a", limit=3)
