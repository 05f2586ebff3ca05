"""Bulk indexing for large imports (the generated archive): the rows the backend's own
`add_bulk` writes, built from plain values instead of model instances, segmented in
worker processes and written with set-based SQL."""

import multiprocessing
from collections import deque
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from modelsearch.backends.database.postgres.weights import get_weight
from modelsearch.index import AutocompleteField, RelatedFields, SearchField
from modelsearch.utils import get_content_type_pk
from wagtail.search.backends import get_search_backend

from search.segment import build_segmenter, dictionary_words, index_text


@dataclass
class Document:
    """One object's indexed values: a string per search field name, and for a
    `RelatedFields` a list of such dicts (one per related object, in order)."""

    object_id: str
    values: dict


def prepared_fields(search_fields, values: dict, weighted: bool) -> list[tuple]:
    """`(field, [weight,] raw value)` in the order the backend's indexer visits the
    fields (its `prepare_field`); `weighted` for PostgreSQL, whose indexer carries
    each field's weight letter."""
    items = []
    for field in search_fields:
        if isinstance(field, RelatedFields):
            for related in values.get(field.field_name) or []:
                items.extend(prepared_fields(field.fields, related, weighted))
        elif isinstance(field, SearchField | AutocompleteField):
            value = values[field.field_name]
            if not weighted:
                items.append((field, value))
            elif isinstance(field, AutocompleteField):
                items.append((field, "D", value))
            else:
                items.append((field, get_weight(field.boost), value))
    return items


# Worker processes ---------------------------------------------------------------

_jieba = None  # the worker process's segmenter (rjieba.Jieba)


def start_worker(words: set[str]) -> None:
    """Pool initializer: the parent's dictionary, so no worker needs the database."""
    global _jieba
    _jieba = build_segmenter(words)


def segment_texts(documents: list[list[str]]) -> list[list[str]]:
    """`index_text` of every value; a value repeated in a document (the title is
    both searched and autocompleted) is segmented once."""
    segmented = []
    for texts in documents:
        cache = {}
        for text in texts:
            if text not in cache:
                cache[text] = index_text(text, _jieba)
        segmented.append([cache[text] for text in texts])
    return segmented


# Writing ------------------------------------------------------------------------


@dataclass
class TitleLengths:
    """The running total behind the title norm, `average title length / this
    title's length` (what modelsearch's `_refresh_title_norms` writes after every
    `add_bulk`): the bulk path computes each chunk's norms as it writes them, from
    the entries before it and the chunk itself, instead of rewriting every new row
    once more at the end."""

    total: int = 0
    entries: int = 0

    @classmethod
    def of_index(cls, table: str) -> "TitleLengths":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COALESCE(SUM(LENGTH(title)), 0), COUNT(*) FROM {table} "
                "WHERE LENGTH(title) > 0"
            )
            total, entries = cursor.fetchone()
        return cls(int(total), entries)


def write_sqlite(
    table: str, content_type_id: int, rows: list[tuple], lengths: TitleLengths
) -> None:
    """Rows of (object id, columns); the table's triggers keep the FTS5 table in
    step, on insert and on update alike."""
    sizes = [len(columns["title"]) for _object_id, columns in rows]
    lengths.total += sum(sizes)
    lengths.entries += sum(1 for size in sizes if size)
    average = lengths.total / lengths.entries if lengths.entries else 0
    with connection.cursor() as cursor:
        cursor.executemany(
            f"""
            INSERT INTO {table} (content_type_id, object_id, title, autocomplete,
                body, title_norm)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (content_type_id, object_id)
            DO UPDATE SET title = excluded.title, autocomplete = excluded.autocomplete,
                body = excluded.body, title_norm = excluded.title_norm
            """,
            [
                (
                    content_type_id,
                    object_id,
                    columns["title"],
                    columns["autocomplete"],
                    columns["body"],
                    average / size if size else 1.0,
                )
                for (object_id, columns), size in zip(rows, sizes, strict=True)
            ],
        )


STAGING = "search_bulk_entry"
GIN_PENDING_LIST = "256MB"
# For building a dropped GIN index again in one pass (rebuild_gin): the sort of its
# keys spills to disk beyond this.
GIN_BUILD_MEMORY = "2GB"


def postgres_vector(column: str, config: str) -> str:
    """SQL for the vector Wagtail's `as_vector` builds from the staged parts:
    `setweight(to_tsvector(config, text), weight)` of each part, joined by `||` in
    order; an empty vector when there are none."""
    return f"""COALESCE((
        SELECT pg_temp.tsvector_cat(
            setweight(to_tsvector('{config}'::regconfig, COALESCE(part.text, '')),
                      part.weight::"char")
            ORDER BY part.n)
        FROM unnest(s.{column}, s.{column}_w) WITH ORDINALITY AS part(text, weight, n)
    ), to_tsvector('{config}'::regconfig, ''))"""


def prepare_postgres() -> None:
    """A session's staging table and the ordered `||` aggregate it needs."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
                object_id text, title text[], title_w text[],
                autocomplete text[], autocomplete_w text[],
                body text[], body_w text[], title_text text, body_text text)
            """
        )
        cursor.execute(
            "SELECT 1 FROM pg_proc WHERE proname = 'tsvector_cat' "
            "AND pronamespace = pg_my_temp_schema()"
        )
        if cursor.fetchone() is None:
            cursor.execute(
                "CREATE AGGREGATE pg_temp.tsvector_cat (tsvector) "
                "(SFUNC = tsvector_concat, STYPE = tsvector)"
            )


def flush_gin(table: str) -> None:
    """Merge the pending lists into the GIN indexes now, not in a reader's search."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [table],
        )


def gin_indexes(model) -> list:
    """The GIN indexes the index table's model declares, whether built or not."""
    from django.contrib.postgres.indexes import GinIndex

    return [index for index in model._meta.indexes if isinstance(index, GinIndex)]


def existing_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, details in constraints.items() if details["index"]}


def drop_gin(model) -> None:
    present = existing_indexes(model._meta.db_table)
    with connection.schema_editor() as editor:
        for index in gin_indexes(model):
            if index.name in present:
                editor.remove_index(model, index)


def build_gin(model) -> None:
    """Build the declared GIN indexes that are missing (dropped for an import, or
    left missing by an import that was killed), each in one pass."""
    present = existing_indexes(model._meta.db_table)
    missing = [index for index in gin_indexes(model) if index.name not in present]
    if not missing:
        return
    with connection.schema_editor() as editor:
        # No index is built on a table with foreign key checks pending, as they are
        # when the import ran inside an enclosing transaction: run them now.
        editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        editor.execute(f"SET LOCAL maintenance_work_mem = '{GIN_BUILD_MEMORY}'")
        for index in missing:
            editor.add_index(model, index)


def write_postgres(
    table: str,
    content_type_id: int,
    rows: list[tuple],
    config: str,
    autocomplete: str,
    lengths: TitleLengths,
) -> None:
    """Rows of (object id, EntryTexts): COPY into the staging table, then one
    INSERT … SELECT that makes the vectors, and the title norms, in the database."""
    with connection.cursor() as cursor:
        # New entries queue in each GIN index's pending list and join the index in
        # one merge when it fills: with the default 4 MB that merge came every few
        # hundred articles and took more than half the time (docs/search.md).
        cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_LIST}'")
        cursor.execute(f"TRUNCATE {STAGING}")
        with cursor.cursor.copy(f"COPY {STAGING} FROM STDIN") as copy:
            for object_id, texts in rows:
                copy.write_row(
                    (
                        object_id,
                        *zip_parts(texts.title),
                        *zip_parts(texts.autocomplete),
                        *zip_parts(texts.body),
                        texts.title_text,
                        texts.body_text,
                    )
                )
        # The average is numeric, made float as Django reads AVG(), so a chunk
        # that holds every new entry gets exactly the norms of the backend's path.
        cursor.execute(
            f"""
            WITH entry AS (
                SELECT s.object_id, {postgres_vector("title", config)} AS title,
                    {postgres_vector("autocomplete", autocomplete)} AS autocomplete,
                    {postgres_vector("body", config)} AS body,
                    s.title_text, s.body_text
                FROM {STAGING} s
            ), chunk AS (
                SELECT COALESCE(SUM(LENGTH(title)), 0) AS total,
                    COUNT(*) FILTER (WHERE LENGTH(title) > 0) AS entries
                FROM entry
            ), average AS (
                SELECT ((%s + chunk.total)::numeric
                     / NULLIF(%s + chunk.entries, 0))::float8 AS title_length
                FROM chunk
            )
            INSERT INTO {table} (content_type_id, object_id, title, autocomplete,
                body, title_norm, title_text, body_text)
            SELECT %s, e.object_id, e.title, e.autocomplete, e.body,
                CASE WHEN LENGTH(e.title) > 0 THEN a.title_length / LENGTH(e.title)
                     ELSE 1.0 END,
                e.title_text, e.body_text
            FROM entry e CROSS JOIN average a
            ON CONFLICT (content_type_id, object_id)
            DO UPDATE SET title = EXCLUDED.title, title_norm = EXCLUDED.title_norm,
                          autocomplete = EXCLUDED.autocomplete,
                          body = EXCLUDED.body,
                          title_text = EXCLUDED.title_text,
                          body_text = EXCLUDED.body_text
            RETURNING LENGTH(title)
            """,
            [lengths.total, lengths.entries, content_type_id],
        )
        sizes = [size for (size,) in cursor.fetchall()]
    lengths.total += sum(sizes)
    lengths.entries += sum(1 for size in sizes if size)


def zip_parts(parts: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [text for text, _weight in parts], [weight for _text, weight in parts]


def delete_entries(queryset) -> int:
    """Delete the index entries of the objects of `queryset`; how many."""
    model = queryset.model
    index = get_search_backend().get_index_for_model(model)
    object_ids = queryset.annotate(entry_id=Cast("pk", TextField())).values("entry_id")
    entries = index.entries.filter(
        content_type_id=get_content_type_pk(model), object_id__in=object_ids
    )
    return entries._raw_delete(entries.db)


# The pipeline -------------------------------------------------------------------


class BulkIndexer:
    """Index documents of one model in chunks: the main process reads and writes,
    `workers` processes segment (0: segment in this process). Use as a context
    manager.

    `rebuild_gin` (PostgreSQL): drop the index table's GIN indexes for the import and
    build them again in `finish`. Merging new entries into a large GIN index writes
    it out page by page (150 articles/s at 140,000 entries with 128 MB of shared
    buffers); one build at the end sorts every key once. Searches meanwhile scan the
    table, so this is for filling an archive, not for a live portal's trickle. An
    exception, Ctrl-C included, builds them again on the way out; after a killed
    process the next bulk indexer builds what is missing when it starts.
    """

    def __init__(self, model, workers: int = 2, rebuild_gin: bool = False):
        backend = get_search_backend()
        self.index = backend.get_index_for_model(model)
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"no bulk indexing on {self.vendor}")
        self.search_fields = model.get_search_fields()
        self.content_type_id = get_content_type_pk(model)
        self.table = self.index.entries.model._meta.db_table
        self.config = getattr(backend, "config", None)
        self.autocomplete_config = getattr(backend, "autocomplete_config", None)
        self.workers = workers
        self.pool = None
        self.pending: deque = deque()
        self.written = 0
        self.rebuild_gin = rebuild_gin and self.vendor == "postgresql"

    def __enter__(self):
        words = dictionary_words()
        if self.workers:
            # Spawned, not forked: a child must not share the parent's connection.
            context = multiprocessing.get_context("spawn")
            self.pool = context.Pool(
                self.workers, initializer=start_worker, initargs=(words,)
            )
        else:
            start_worker(words)
        if self.vendor == "postgresql":
            prepare_postgres()
        if self.rebuild_gin:
            drop_gin(self.index.entries.model)
        elif self.vendor == "postgresql":
            build_gin(self.index.entries.model)
        self.lengths = TitleLengths.of_index(self.table)
        return self

    def __exit__(self, *exc_info):
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        if self.rebuild_gin:
            build_gin(self.index.entries.model)

    def add(self, documents: list[Document]) -> int:
        """Queue a chunk; write the chunks whose segmenting is done. The count of
        documents written by this call."""
        weighted = self.vendor == "postgresql"
        prepared = [
            prepared_fields(self.search_fields, document.values, weighted)
            for document in documents
        ]
        texts = [[item[-1] for item in items] for items in prepared]
        if self.pool is None:
            result = segment_texts(texts)
        else:
            result = self.pool.apply_async(segment_texts, (texts,))
        self.pending.append((documents, prepared, result))
        written = 0
        # Keep every worker busy while this process writes.
        while len(self.pending) > (self.workers + 1 if self.pool else 0):
            written += self.write_next()
        return written

    def finish(self) -> int:
        written = 0
        while self.pending:
            written += self.write_next()
        if self.rebuild_gin:
            build_gin(self.index.entries.model)
        elif self.vendor == "postgresql":
            flush_gin(self.table)
        # Fresh statistics, or the planner guesses how many entries a word matches
        # from before the import (it chose a 1.8 s plan over a 3 ms one at 100k).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")
        return written

    def write_next(self) -> int:
        documents, prepared, result = self.pending.popleft()
        segmented = result if isinstance(result, list) else result.get()
        rows = []
        for document, items, values in zip(documents, prepared, segmented, strict=True):
            items = [
                (*item[:-1], value) for item, value in zip(items, values, strict=True)
            ]
            rows.append((document.object_id, self.columns(items)))
        with transaction.atomic():
            if self.vendor == "postgresql":
                write_postgres(
                    self.table,
                    self.content_type_id,
                    rows,
                    self.config,
                    self.autocomplete_config,
                    self.lengths,
                )
            else:
                write_sqlite(self.table, self.content_type_id, rows, self.lengths)
        self.written += len(rows)
        return len(rows)

    def columns(self, items: list[tuple]):
        if self.vendor == "postgresql":
            from search.backend_postgres import entry_texts

            return entry_texts(items)
        from search.backend_sqlite import entry_columns

        return entry_columns(items)
