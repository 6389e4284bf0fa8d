"""A PostgreSQL table to one deflate AVRO file with psycopg 3 and fastavro, as a hand-written script
would do it: a server-side cursor streams dict rows into fastavro's writer, which encodes and
compresses block by block (fastavro's default block size and deflate level). The AVRO schema comes
from the table's declared types, with the standard logical types (decimal, timestamp-micros).

Prints one JSON line: {"rows": rows written, "seconds": the script's own time, imports excluded}.
"""

import argparse
import json
import os
import time

import fastavro
import psycopg
from psycopg.rows import dict_row

COLUMNS_SQL = """
SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable = 'YES'
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = %s
ORDER BY ordinal_position
"""


def avro_type(data_type: str, precision: int | None, scale: int | None) -> object:
    """The AVRO type of one column of the types the benchmark table uses."""
    if data_type == "bigint":
        return "long"
    if data_type in ("integer", "smallint"):
        return "int"
    if data_type in ("timestamp without time zone", "timestamp with time zone"):
        return {"type": "long", "logicalType": "timestamp-micros"}
    if data_type == "numeric":
        return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    if data_type in ("character", "character varying", "text"):
        return "string"
    raise SystemExit(f"psycopg_fastavro.py: no AVRO type for PostgreSQL {data_type}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True, help="libpq URL, postgresql://…")
    parser.add_argument("--table", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()

    started = time.perf_counter()
    rows = 0
    with psycopg.connect(args.dsn) as connection:
        columns = connection.execute(COLUMNS_SQL, (args.table,)).fetchall()
        fields = []
        for name, data_type, precision, scale, nullable in columns:
            kind = avro_type(data_type, precision, scale)
            fields.append({"name": name, "type": ["null", kind] if nullable else kind})
        schema = fastavro.parse_schema({"type": "record", "name": args.table, "fields": fields})

        def records():
            nonlocal rows
            # A named cursor is a server-side one: rows arrive itersize at a time, not all at once.
            with connection.cursor(name="bench_peers", row_factory=dict_row) as cursor:
                cursor.itersize = 10_000
                cursor.execute(f'SELECT * FROM "{args.table}"')
                for row in cursor:
                    rows += 1
                    yield row

        with open(os.path.join(args.workdir, f"{args.table}.avro"), "wb") as out:
            fastavro.writer(out, schema, records(), codec="deflate")
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
