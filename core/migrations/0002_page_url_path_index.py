"""An index on wagtailcore_page.url_path, which HomePage.route looks pages up by.

Wagtail's own model has none (it walks the tree by slug). On PostgreSQL a hash
index: a B-tree entry is limited to about 2.7 kB and a deep path of Chinese slugs
can be longer; only equality is needed.
"""

from django.db import migrations

NAME = "core_page_url_path"


def create_index(apps, schema_editor):
    using = "USING hash " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON wagtailcore_page {using}(url_path)"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
