"""PostgreSQL only, for queries whose cost should not grow with the index:

- `title_vector`, a tsvector of the title, the names and their pinyin with its own GIN index, so
  the title tier of a broad query is found through an index;
- narrow rows (`toast_tuple_target`): the vectors and long texts live in TOAST, read only for the
  rows that are scored or shown, so visiting thousands of matches reads few pages;
- lz4 for `search_vector` where the server has it: faster to decompress than pglz.

Existing entries get their title and name lexemes from `search_vector` (weights A and B); run
`manage.py search_reindex` to add their pinyin, now indexed as syllable pairs, and narrow their rows. SQLite needs none of this:
FTS5 filters columns itself."""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE search_indexentry ADD COLUMN IF NOT EXISTS title_vector tsvector",
    "UPDATE search_indexentry SET title_vector = ts_filter(search_vector, '{a,b}') WHERE search_vector IS NOT NULL",
    # A server built without lz4 keeps its default compression.
    "DO $$ BEGIN ALTER TABLE search_indexentry ALTER COLUMN search_vector SET COMPRESSION lz4; "
    "EXCEPTION WHEN feature_not_supported THEN NULL; END $$",
    "CREATE INDEX IF NOT EXISTS search_indexentry_title_gin ON search_indexentry USING GIN (title_vector)",
    # Rows small enough that a query visiting thousands of matches reads few pages: the vectors
    # and long texts move to TOAST, read only for the rows that are scored or shown.
    "ALTER TABLE search_indexentry SET (toast_tuple_target = 128)",
]
POSTGRES_BACKWARD = [
    "ALTER TABLE search_indexentry RESET (toast_tuple_target)",
    "ALTER TABLE search_indexentry ALTER COLUMN search_vector SET COMPRESSION default",
    "DROP INDEX IF EXISTS search_indexentry_title_gin",
    "ALTER TABLE search_indexentry DROP COLUMN IF EXISTS title_vector",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0003_seed_synonyms")]

    operations = [migrations.RunPython(run(POSTGRES_FORWARD), run(POSTGRES_BACKWARD))]
