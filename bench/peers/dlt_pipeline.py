"""One run of a dlt pipeline reading a PostgreSQL table, as a dlt user would write it.

  --destination parquet  the sql_table resource into dlt's filesystem destination as parquet
                         files (dlt's default snappy compression): the extract job.
  --destination duckdb   the same resource into a DuckDB file with write_disposition merge on the
                         primary key and dlt's incremental cursor on --cursor: the first run into a
                         fresh --workdir loads the whole table, the next one only the rows whose
                         cursor moved (dlt keeps its state under --workdir and in the destination).

--backend connectorx or pyarrow picks dlt's table backend; each is left at dlt's defaults (ConnectorX
reads the whole result into one Arrow table, pyarrow reads 50,000-row chunks through SQLAlchemy).
Prints one JSON line: {"rows": rows dlt normalized for the table, "seconds": the pipeline's own
time, imports excluded}. The benchmark times the whole process and reads its peak RSS itself.
"""

import argparse
import json
import os
import time

# No usage report to dlthub from a benchmark (and no network beyond the database).
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt  # noqa: E402
from dlt.sources.sql_database import sql_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True, help="SQLAlchemy URL, postgresql+psycopg://…")
    parser.add_argument("--table", required=True)
    parser.add_argument("--primary-key", required=True)
    parser.add_argument("--cursor", required=True)
    parser.add_argument("--backend", choices=["connectorx", "pyarrow"], required=True)
    parser.add_argument("--destination", choices=["parquet", "duckdb"], required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()

    started = time.perf_counter()
    if args.destination == "parquet":
        destination = dlt.destinations.filesystem(bucket_url="file://" + os.path.join(args.workdir, "files"))
        resource = sql_table(credentials=args.dsn, table=args.table, backend=args.backend)
        run_options = {"loader_file_format": "parquet"}
    else:
        destination = dlt.destinations.duckdb(credentials=os.path.join(args.workdir, "warehouse.duckdb"))
        resource = sql_table(
            credentials=args.dsn,
            table=args.table,
            backend=args.backend,
            incremental=dlt.sources.incremental(args.cursor),
            write_disposition="merge",
            primary_key=args.primary_key,
        )
        run_options = {}
    pipeline = dlt.pipeline(
        pipeline_name="bench_peers",
        pipelines_dir=os.path.join(args.workdir, "pipelines"),
        destination=destination,
        dataset_name="bench",
    )
    pipeline.run(resource, **run_options)
    seconds = time.perf_counter() - started
    rows = pipeline.last_trace.last_normalize_info.row_counts.get(args.table, 0)
    print(json.dumps({"rows": rows, "seconds": seconds}))


if __name__ == "__main__":
    main()
