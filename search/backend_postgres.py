"""The segmenting search backend on PostgreSQL (`simple` text search configuration)."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.db.models import F
from django.db.models.sql.subqueries import InsertQuery
from django.utils.functional import cached_property
from modelsearch.backends.database.postgres import postgres
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.query import Fuzzy, MatchAll, Not, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks

from search.backend import (
    SegmentingCompilerMixin,
    SegmentingIndexerMixin,
    boolean_text,
)

IndexEntry = postgres.IndexEntry


def quote(token: str) -> str:
    if token.endswith("*"):
        return quote(token[:-1]) + ":*"
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class EntryTexts:
    """An index entry's columns before PostgreSQL makes vectors of them: per vector
    column its (text, weight) parts in order, and the two plain text columns."""

    title: list[tuple[str, str]] = field(default_factory=list)
    autocomplete: list[tuple[str, str]] = field(default_factory=list)
    body: list[tuple[str, str]] = field(default_factory=list)
    title_text: str = ""
    body_text: str = ""


def entry_texts(prepared: list[tuple]) -> EntryTexts:
    """The columns from `(field, weight, segmented value)` triples; the indexer below
    and the bulk indexer (search.bulk) both write these. Parts are stripped and
    empty ones dropped, as Wagtail's `as_vector` does."""
    texts = EntryTexts()
    title_texts, body_texts = [], []
    for current, weight, value in prepared:
        value = value.strip()
        if not value:
            continue
        if isinstance(current, AutocompleteField):
            texts.autocomplete.append((value, weight))
        elif isinstance(current, SearchField):
            # The title joins the body vector too (at its own weight), so a search
            # filters on the body column alone and its GIN index serves every query.
            texts.body.append((value, weight))
            if current.field_name == "title":
                texts.title.append((value, weight))
                title_texts.append(value)
            else:
                body_texts.append(value)
    texts.title_text = " ".join(title_texts)
    texts.body_text = " ".join(body_texts)
    return texts


class SegmentingIndexer(SegmentingIndexerMixin, postgres.ObjectIndexer):
    @cached_property
    def texts(self) -> EntryTexts:
        return entry_texts(
            [
                item
                for search_field in self.search_fields
                for item in self.prepare_field(self.obj, search_field)
            ]
        )

    @cached_property
    def title(self):
        return self.as_vector(self.texts.title)

    @cached_property
    def autocomplete(self):
        return self.as_vector(self.texts.autocomplete, for_autocomplete=True)

    @cached_property
    def body(self):
        return self.as_vector(self.texts.body)

    @cached_property
    def title_text(self):
        return self.texts.title_text

    @cached_property
    def body_text(self):
        return self.texts.body_text


class SegmentingPostgresIndex(postgres.PostgresIndex):
    def add_items(self, model, objs):
        # Wagtail's add_items with our indexer; it has no hook for the class.
        if not model.get_search_fields():
            return
        indexers = [SegmentingIndexer(obj, self.backend) for obj in objs]
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        compiler = InsertQuery(IndexEntry).get_compiler(
            connection=self.write_connection
        )
        rows, params = [], []
        for indexer in indexers:
            params.extend((content_type_pk, indexer.id))
            vectors = []
            for name in ("title", "autocomplete", "body"):
                value = compiler.prepare_value(
                    IndexEntry._meta.get_field(name), getattr(indexer, name)
                )
                sql, value_params = value.as_sql(compiler, self.write_connection)
                vectors.append(sql)
                params.extend(value_params)
            params.extend((indexer.title_text, indexer.body_text))
            rows.append(f"(%s, %s, {', '.join(vectors)}, 1.0, %s, %s)")
        with self.write_connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IndexEntry._meta.db_table} (content_type_id, object_id,
                    title, autocomplete, body, title_norm, title_text, body_text)
                (VALUES {", ".join(rows)})
                ON CONFLICT (content_type_id, object_id)
                DO UPDATE SET title = EXCLUDED.title, title_norm = 1.0,
                              autocomplete = EXCLUDED.autocomplete,
                              body = EXCLUDED.body,
                              title_text = EXCLUDED.title_text,
                              body_text = EXCLUDED.body_text
                """,
                params,
            )
        self._refresh_title_norms()


class SegmentingPostgresCompilerMixin(SegmentingCompilerMixin):
    def build_tsquery_content(self, query, config=None, invert=False):
        if isinstance(query, PlainText):
            text = boolean_text(query, quote, " & ", " | ")
            if invert:
                text = f"!({text})"
            return SearchQuery(text, search_type="raw", config=config)
        return super().build_tsquery_content(query, config=config, invert=invert)


# A query matching at most this many entries fetches their objects by primary key.
SPARSE_HITS = 2000


class SparseFirstSearchMixin:
    """Newest first without a plan that walks the archive for a rare word.

    Wagtail joins the objects to their entries and filters on the vector; with an
    ORDER BY … LIMIT the planner then often walks the objects newest first and
    tests each entry's vector, which is quick for a common word and, for a word in
    20 articles of 100,000, read every article (1.8 s; docs/search.md). A query
    whose matches are few gets them from the GIN index first, then its objects by
    primary key. It runs after the query is pruned (SegmentingCompilerMixin).
    """

    def search(self, config, start, stop, score_field=None, **kwargs):
        if (
            self.order_by_relevance
            or score_field is not None
            or isinstance(self.query, MatchAll | Not | Fuzzy)
        ):
            return super().search(config, start, stop, score_field, **kwargs)
        object_ids = self.sparse_ids(config)
        if object_ids is None:
            return super().search(config, start, stop, score_field, **kwargs)
        to_python = self.queryset.model._meta.pk.to_python
        queryset = self.queryset.filter(pk__in=[to_python(pk) for pk in object_ids])
        if not queryset.query.order_by:
            queryset = queryset.order_by("-pk")
        return queryset[start:stop]

    def sparse_ids(self, config) -> list[str] | None:
        """The matching entries' object ids, or None if there are more than
        SPARSE_HITS; read once per compiler, which the results page's count and
        its page of results share."""
        if not hasattr(self, "_sparse_ids"):
            entries = postgres.IndexEntry.objects.filter(
                content_type_id__in=get_descendants_content_types_pks(
                    self.queryset.model
                ),
                body=self.build_tsquery(self.query, config=config),
            )
            found = list(entries.values_list("object_id", flat=True)[: SPARSE_HITS + 1])
            self._sparse_ids = found if len(found) <= SPARSE_HITS else None
        return self._sparse_ids


class SegmentingPostgresCompiler(
    SegmentingPostgresCompilerMixin,
    SparseFirstSearchMixin,
    postgres.PostgresSearchQueryCompiler,
):
    def get_index_vectors(self, search_query):
        return [(F("index_entries__body"), 1.0)]


class SegmentingPostgresAutocompleteCompiler(
    SegmentingPostgresCompilerMixin, postgres.PostgresAutocompleteQueryCompiler
):
    pass


class SegmentingPostgresBackend(postgres.PostgresSearchBackend):
    query_compiler_class = SegmentingPostgresCompiler
    autocomplete_query_compiler_class = SegmentingPostgresAutocompleteCompiler
    index_class = SegmentingPostgresIndex

    def __init__(self, params):
        super().__init__({"SEARCH_CONFIG": "simple", **params})
