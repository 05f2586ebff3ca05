"""Wagtail's database search with Chinese segmentation: `BACKEND: "search.backend"`.

Picks the SQLite FTS5 or PostgreSQL variant by connection vendor, like Wagtail's own
database backend; other databases get Wagtail's unsegmented fallback.
"""

import functools

from django.db import connection
from django.db.models import Manager
from modelsearch.index import RelatedFields
from modelsearch.query import And, MatchAll, Not, Or, Phrase, PlainText, SearchQuery

from search.segment import index_text, query_words, word_alternatives


@functools.cache
def sqlite_has_fts5() -> bool:
    from modelsearch.backends.database.sqlite.utils import fts5_available

    return fts5_available()


def SearchBackend(params):
    # Named like a class: Wagtail looks a backend module's `SearchBackend` up.
    if connection.vendor == "postgresql":
        from search.backend_postgres import SegmentingPostgresBackend

        return SegmentingPostgresBackend(params)
    if connection.vendor == "sqlite" and sqlite_has_fts5():
        from search.backend_sqlite import SegmentingSQLiteBackend

        return SegmentingSQLiteBackend(params)
    from modelsearch.backends.database.fallback import DatabaseSearchBackend

    return DatabaseSearchBackend(params)


class SegmentingIndexerMixin:
    """Every indexed value becomes segmented tokens (see search.segment)."""

    def prepare_field(self, obj, field):
        if isinstance(field, RelatedFields):
            related = field.get_value(obj)
            if isinstance(related, Manager):
                # In primary key order: the database returns a prefetch in any
                # order, and the order sets the words' positions in the index.
                for item in sorted(related.all(), key=lambda item: item.pk):
                    for sub_field in field.fields:
                        yield from self.prepare_field(item, sub_field)
                return
            # The leaves come back through this method; segment them only once.
            yield from super().prepare_field(obj, field)
            return
        cache = self.__dict__.setdefault("_segmented", {})
        for *head, value in super().prepare_field(obj, field):
            if value not in cache:
                cache[value] = index_text(value)
            yield (*head, cache[value])


def prune(query: SearchQuery) -> SearchQuery | None:
    """`query` with phrases made plain and wordless parts dropped, or None.

    Phrases become all-words queries: a phrase's words are not adjacent in the
    index, where sub-words and bigrams sit between them.
    """
    if isinstance(query, Phrase):
        query = PlainText(query.query_string, operator="and")
    if isinstance(query, PlainText):
        return query if query_words(query.query_string) else None
    if isinstance(query, Not):
        inner = prune(query.subquery)
        return Not(inner) if inner is not None else None
    if isinstance(query, And | Or):
        parts = [part for part in map(prune, query.subqueries) if part is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else type(query)(parts)
    return query


class SegmentingCompilerMixin:
    def search(self, config, start, stop, score_field=None, **kwargs):
        if not isinstance(self.query, MatchAll):
            pruned = prune(self.query)
            if pruned is None:
                return self.queryset.none()
            self.query = pruned
        return super().search(config, start, stop, score_field, **kwargs)


def word_groups(query: PlainText) -> list[list[list[str]]]:
    """Per query word, its alternative token sets (see `word_alternatives`)."""
    return [word_alternatives(word) for word in query_words(query.query_string)]


def boolean_text(query: PlainText, quote, and_: str, or_: str) -> str:
    """The query as a database full-text expression over quoted, clean tokens."""

    def alternatives(groups):
        return or_.join(
            "(" + and_.join(quote(token) for token in tokens) + ")" for tokens in groups
        )

    joiner = and_ if query.operator == "and" else or_
    return joiner.join(f"({alternatives(groups)})" for groups in word_groups(query))


def reindex_after_publish(instance, **kwargs) -> None:
    """Signal receiver for `page_published`.

    Wagtail indexes a page on save, before a published revision's keywords are
    written; indexing again once publishing is done puts the keywords in.
    """
    from modelsearch.tasks import insert_or_update_object_task

    insert_or_update_object_task.enqueue(
        instance._meta.app_label, instance._meta.model_name, str(instance.pk)
    )
