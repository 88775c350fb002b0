"""Synonyms and abbreviations editors start with; they extend the list in the admin."""

from django.db import migrations

SEED = [
    ("synonym", "主题党日", ["党员活动日", "固定党日"]),
    ("synonym", "党课", ["党课教育"]),
    ("synonym", "红色线路", ["红色路线", "红色旅游线路"]),
    ("synonym", "党员思想教育基地", ["党员教育基地", "教育基地"]),
    ("synonym", "纪念馆", ["纪念地"]),
    ("synonym", "书记", ["支部书记", "党支部书记"]),
    ("synonym", "初心", ["初心使命"]),
    ("abbreviation", "三会一课", ["支部党员大会、支部委员会会议、党小组会和党课"]),
    ("abbreviation", "两学一做", ["学党章党规、学系列讲话，做合格党员"]),
    ("abbreviation", "不忘初心", ["不忘初心、牢记使命"]),
    ("abbreviation", "四史", ["党史、新中国史、改革开放史、社会主义发展史"]),
    ("abbreviation", "三册两簿三台账", ["支部台账"]),
    ("abbreviation", "民主评议", ["民主评议党员"]),
    ("abbreviation", "组织生活", ["组织生活会"]),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for kind, term, alternatives in SEED:
        Synonym.objects.get_or_create(term=term, defaults={"kind": kind, "alternatives": "\n".join(alternatives)})


def unseed(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.filter(term__in=[term for _, term, _ in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_index")]

    operations = [migrations.RunPython(seed, unseed)]
