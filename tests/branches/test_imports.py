import pytest
from django.core.management import CommandError, call_command

from branches.models import Member, Organisation, Role

pytestmark = pytest.mark.django_db

ORGS = """code,name,kind,parent_code,established_on
C,市委,市委,,
D1,一区区委,district,C,
S1,一街道党工委,街道（乡镇）党（工）委,D1,
B1,第一党支部,党支部,S1,2024-03-01
G1,第一党小组,党小组,B1,
B2,网格党支部,网格党支部,S1,
"""

BAD_ORGS = """code,name,kind,parent_code,established_on
X1,无上级,党支部,NOPE,
,无代码,党支部,S1,
X2,怪类型,工会,S1,
X3,坏日期,党支部,S1,2024-13-01
X4,好的,党支部,S1,
"""

MEMBERS = """code,name,branch_code,group_code,role,joined_on,phone,email,username
P1,王书记,B1,G1,书记,2001-07-01,13900000001,w@example.org,sec
P2,李党员,B1,,党员,2010-07-01,13900000002,,
P3,赵预备,B2,,预备党员,2025-07-01,,,
"""

BAD_MEMBERS = """code,name,branch_code,group_code,role,joined_on,phone,email,username
Q1,无支部,NOPE,,党员,,,,
Q2,非支部,S1,,党员,,,,
Q3,错小组,B2,G1,党员,,,,
Q4,错职务,B1,,主席,,,,
Q5,错电话,B1,,党员,,abc,,
Q6,无账号,B1,,党员,,,,ghost
Q7,重复账号,B1,,党员,,,,sec
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_orgs_is_idempotent(tmp_path, capsys):
    path = write(tmp_path, "orgs.csv", ORGS)
    call_command("import_orgs", path, "--no-progress")
    assert "新增 6" in capsys.readouterr().out
    call_command("import_orgs", path, "--no-progress")
    assert "新增 0，更新 0，未变 6" in capsys.readouterr().out
    b1 = Organisation.objects.get(code="B1")
    assert b1.get_parent().code == "S1" and b1.kind == "branch" and str(b1.established_on) == "2024-03-01"
    assert Organisation.objects.get(code="G1").get_parent() == b1
    # Renaming and moving by code updates in place.
    write(tmp_path, "move.csv", "code,name,kind,parent_code\nB2,网格一支部,网格党支部,D1\n")
    call_command("import_orgs", str(tmp_path / "move.csv"), "--no-progress")
    b2 = Organisation.objects.get(code="B2")
    assert b2.name == "网格一支部" and b2.get_parent().code == "D1"
    assert Organisation.objects.count() == 6


def test_import_orgs_reports_bad_rows_with_line_numbers(tmp_path, capsys):
    call_command("import_orgs", write(tmp_path, "orgs.csv", ORGS), "--no-progress")
    capsys.readouterr()
    with pytest.raises(CommandError, match="4 行未导入"):
        call_command("import_orgs", write(tmp_path, "bad.csv", BAD_ORGS), "--no-progress")
    err = capsys.readouterr().err
    assert "第 2 行：上级组织不存在：NOPE" in err
    assert "第 3 行：缺少组织代码" in err
    assert "第 4 行：未知的组织类型：工会" in err
    assert "第 5 行：日期格式" in err
    assert Organisation.objects.filter(code="X4").exists()  # the good row was kept


def test_import_members(tmp_path, capsys, make_user):
    make_user("sec")
    call_command("import_orgs", write(tmp_path, "orgs.csv", ORGS), "--no-progress")
    path = write(tmp_path, "members.csv", MEMBERS)
    call_command("import_members", path, "--no-progress")
    call_command("import_members", path, "--no-progress")
    assert "新增 0，更新 0，未变 3" in capsys.readouterr().out
    p1 = Member.objects.get(code="P1")
    assert (p1.role, p1.branch.code, p1.party_group.code, p1.user.username) == (Role.SECRETARY, "B1", "G1", "sec")
    assert Member.objects.get(code="P3").role == Role.PROBATIONARY
    with pytest.raises(CommandError, match="7 行未导入"):
        call_command("import_members", write(tmp_path, "bad.csv", BAD_MEMBERS), "--no-progress")
    err = capsys.readouterr().err
    for line, reason in [(2, "所在支部不存在"), (3, "一街道党工委不是党支部"), (4, "党小组不存在或不属于该支部"), (5, "未知的职务"),
                         (6, "手机号格式不正确"), (7, "登录账号不存在"), (8, "登录账号已关联党员 P1")]:
        assert f"第 {line} 行：{reason}" in err
    assert Member.objects.count() == 3


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_orgs", "/nonexistent.csv", "--no-progress")
