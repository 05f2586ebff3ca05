"""Rows written in bulk: COPY on PostgreSQL, executemany elsewhere, with the ids
reserved first so that rows of one batch can point at each other."""

from django.db import connection


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "
                f"VALUES ({marks})",
                rows,
            )


class Table:
    """Rows of one model's own table as tuples ready for the database: defaults
    prepared once, only the values that need it converted per row."""

    converted = {"DateTimeField", "UUIDField", "JSONField"}

    def __init__(self, model, table: str | None = None):
        self.fields = list(model._meta.local_concrete_fields)
        self.table = table or model._meta.db_table
        self.columns = [f.column for f in self.fields]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.convert = {
            f.attname: f for f in self.fields if f.get_internal_type() in self.converted
        }
        self.template = [
            None if f.primary_key else f.get_db_prep_save(f.get_default(), connection)
            for f in self.fields
        ]

    def row(self, values: dict) -> tuple:
        row = list(self.template)
        position, convert = self.position, self.convert
        for name, value in values.items():
            model_field = convert.get(name)
            if model_field is not None:
                value = model_field.get_db_prep_save(value, connection)
            row[position[name]] = value
        return tuple(row)

    def insert(self, rows: list[tuple]) -> None:
        insert_rows(self.table, self.columns, rows)


def allocate_ids(model, count: int) -> list[int]:
    """Primary keys for rows inserted with their ids. On SQLite the caller must
    already hold the write lock (have written in this transaction)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + count + 1))
