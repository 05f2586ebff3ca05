"""The segmenting search backend on SQLite FTS5 (unicode61 tokenizer)."""

from django.db.models import FloatField, OuterRef, Subquery
from django.db.models.expressions import Expression
from django.utils.functional import cached_property
from modelsearch.backends.database.sqlite import sqlite
from modelsearch.backends.database.sqlite.query import (
    MatchExpression,
    SearchQueryExpression,
    SearchQueryField,
    normalize,
)
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.query import MatchAll, Not, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks

from search.backend import (
    SegmentingCompilerMixin,
    SegmentingIndexerMixin,
    boolean_text,
)


def quote(token: str) -> str:
    if token.endswith("*"):
        return quote(token[:-1]) + "*"
    return '"' + token.replace('"', '""') + '"'


class FtsText(Expression):
    """A ready FTS5 expression, passed to MATCH as one bound parameter."""

    output_field = SearchQueryField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        return "%s", [f"({self.text})"]


def entry_columns(prepared: list[tuple]) -> dict[str, str]:
    """An index entry's text columns from its `(field, segmented value)` pairs; the
    indexer below and the bulk indexer (search.bulk) both write these."""
    title, autocomplete, body = [], [], []
    for field, value in prepared:
        if isinstance(field, AutocompleteField):
            autocomplete.append(value)
        elif isinstance(field, SearchField):
            if field.field_name == "title":
                title.append(value)
            # FTS5's BM25 has no field weights: a boosted field (title, keywords) is
            # repeated in the body as often as its boost, so it counts that much more.
            body.extend([value] * max(round(field.boost or 1), 1))
    return {
        "title": " ".join(title),
        "autocomplete": " ".join(autocomplete),
        "body": " ".join(body),
    }


class SegmentingIndexer(SegmentingIndexerMixin, sqlite.ObjectIndexer):
    @cached_property
    def columns(self) -> dict[str, str]:
        return entry_columns(
            [
                item
                for field in self.search_fields
                for item in self.prepare_field(self.obj, field)
            ]
        )

    @cached_property
    def title(self):
        return self.columns["title"]

    @cached_property
    def autocomplete(self):
        return self.columns["autocomplete"]

    @cached_property
    def body(self):
        return self.columns["body"]


class SegmentingSQLiteIndex(sqlite.SQLiteIndex):
    def add_items(self, model, objs):
        # Wagtail's add_items with our indexer; it has no hook for the class.
        if not model.get_search_fields():
            return
        indexers = [SegmentingIndexer(obj, self.backend) for obj in objs]
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        data = {indexer.id: indexer.columns for indexer in indexers}
        entries = self.entries.filter(content_type_id=content_type_pk)
        existing = set(
            entries.filter(object_id__in=data).values_list("object_id", flat=True)
        )
        for object_id in existing:
            entries.filter(object_id=object_id).update(**data[object_id])
        self.entries.bulk_create(
            sqlite.IndexEntry(
                content_type_id=content_type_pk, object_id=object_id, **values
            )
            for object_id, values in data.items()
            if object_id not in existing
        )
        self._refresh_title_norms()


class SegmentingSQLiteCompilerMixin(SegmentingCompilerMixin):
    def build_search_query_content(self, query, config=None):
        if isinstance(query, PlainText):
            text = boolean_text(query, quote, " AND ", " OR ")
            return SearchQueryExpression(FtsText(text))
        return super().build_search_query_content(query, config=config)


class FtsFirstSearchMixin:
    """Wagtail's SQLite search, with the full-text match run once, up front.

    Wagtail joins the index entries of the model's content type to the FTS table,
    and SQLite then evaluates the MATCH once per entry: every article, every query.
    Here the FTS table alone yields the matching rows, then their objects.
    """

    def search(self, config, start, stop, score_field=None):
        query = normalize(self.query)
        if isinstance(query, MatchAll):
            return self.queryset[start:stop]
        negated = isinstance(query, Not)
        if negated:
            if isinstance(query.subquery, MatchAll):
                return self.queryset.none()
            query = query.subquery
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(query, config=config),
        )
        content_types = get_descendants_content_types_pks(self.queryset.model)
        entries = sqlite.IndexEntry.objects.filter(
            pk__in=sqlite.SQLiteFTSIndexEntry.objects.filter(match).values("pk"),
            content_type_id__in=content_types,
        )
        object_ids = entries.values("object_id")
        if negated:
            queryset = self.queryset.exclude(pk__in=object_ids)
        else:
            queryset = self.queryset.filter(pk__in=object_ids)
            if self.order_by_relevance and score_field is None:
                score_field = "_score"
            if score_field is not None:
                # Only asked for on small result sets (see search.views).
                scores = (
                    sqlite.SQLiteFTSIndexEntry.objects.filter(match)
                    .filter(
                        index_entry__content_type__in=content_types,
                        index_entry__object_id=OuterRef("pk"),
                    )
                    .annotate(
                        score=self._build_rank_expression(
                            self.get_search_vectors(), config
                        )
                    )
                    .values("score")[:1]
                )
                queryset = queryset.annotate(
                    **{score_field: Subquery(scores, output_field=FloatField())}
                )
                if self.order_by_relevance:
                    queryset = queryset.order_by(score_field, "-pk")
        if not self.order_by_relevance and not queryset.query.order_by:
            queryset = queryset.order_by("-pk")
        return queryset[start:stop]


class SegmentingSQLiteCompiler(
    SegmentingSQLiteCompilerMixin, FtsFirstSearchMixin, sqlite.SQLiteSearchQueryCompiler
):
    pass


class SegmentingSQLiteAutocompleteCompiler(
    SegmentingSQLiteCompilerMixin,
    FtsFirstSearchMixin,
    sqlite.SQLiteAutocompleteQueryCompiler,
):
    pass


class SegmentingSQLiteBackend(sqlite.SQLiteSearchBackend):
    query_compiler_class = SegmentingSQLiteCompiler
    autocomplete_query_compiler_class = SegmentingSQLiteAutocompleteCompiler
    index_class = SegmentingSQLiteIndex
