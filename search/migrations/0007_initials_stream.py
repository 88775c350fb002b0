"""SQLite: the FTS5 table gains an `initials` column (pinyin initials of titles, names and dictionary
terms). FTS5 cannot add a column, so the table is rebuilt with the existing rows copied over; their
initials are empty until `manage.py search_reindex` runs. PostgreSQL keeps initials in the existing
vectors (marked lexemes) and needs no schema change, only the reindex."""

from django.db import migrations

COLUMNS = "title, names, body, transcript, pinyin"
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts_new USING fts5("
    f"{COLUMNS}, initials, tokenize = 'unicode61 remove_diacritics 0')",
    f"INSERT INTO search_fts_new (rowid, {COLUMNS}, initials) SELECT rowid, {COLUMNS}, '' FROM search_fts",
    "DROP TABLE search_fts",
    "ALTER TABLE search_fts_new RENAME TO search_fts",
]
SQLITE_BACKWARD = [
    f"CREATE VIRTUAL TABLE search_fts_old USING fts5({COLUMNS}, tokenize = 'unicode61 remove_diacritics 0')",
    f"INSERT INTO search_fts_old (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts",
    "DROP TABLE search_fts",
    "ALTER TABLE search_fts_old RENAME TO search_fts",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0006_index_receipts")]

    operations = [migrations.RunPython(run(SQLITE_FORWARD), run(SQLITE_BACKWARD))]
