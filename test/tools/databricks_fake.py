"""A FAKE of the Databricks SQL Statement Execution API whose SQL runs for real on local Apache Spark
with Delta Lake: the "Spark twin" the Databricks warehouse tests drive (test/support/databricks-fake.ts).

Databricks has no emulator. This fake answers, at the HTTP boundary, the calls a warehouse adapter
makes, shaped as the API reference documents them, and executes every statement on ONE local
SparkSession (Delta enabled, session time zone UTC), one statement at a time:

  POST /api/2.0/sql/statements                      execute (wait_timeout, on_wait_timeout, parameters)
  GET  /api/2.0/sql/statements/{id}                 poll: status, and manifest + first chunk once SUCCEEDED
  GET  /api/2.0/sql/statements/{id}/result/chunks/{n}   further INLINE chunks
  POST /api/2.0/sql/statements/{id}/cancel          cancel (answers {} at once; poll for CANCELED)

Reference: https://docs.databricks.com/api/workspace/statementexecution (request/response fields,
states PENDING RUNNING SUCCEEDED FAILED CANCELED CLOSED, wait_timeout 0s or 5s–50s, INLINE chunks
with next_chunk_index / next_chunk_internal_link, FAILED as HTTP 200 with status.error and
status.sql_state). Test-only endpoints live under /_fake/ (no token needed, never recorded):
GET/DELETE /_fake/requests (what was recorded), POST /_fake/sql (run a statement to completion, for
assertions), POST /_fake/blob-endpoint (read an account's abfss URIs from this Azurite endpoint), POST /_fake/delay (make matching statements wait before they run, to exercise
PENDING/RUNNING, polling and cancel), GET /_fake/health.

Databricks-only SQL is rewritten to open-source Spark 4.0 before it runs (databricks_fake_sql.py),
text-based and minimal:
  1. named parameter markers `:name` → the value as a string literal, `CAST(… AS <type>)` when the
     parameter has a type (the API casts the string with the cast function; untyped is STRING).
  2. read_files('abfss://c@acct.dfs.core.windows.net/p', format => 'avro', k => v, …) → a temporary
     view over spark.read.format(<format>).options(k=v, …).load(<local copy of the files>); the
     files come from --abfss-root or an Azurite --blob-endpoint (databricks_fake_files.py). A folder
     (no glob) is read recursively (recursiveFileLookup), as read_files discovers files.
  3. Unity Catalog names: `cat.sch.tbl` → `cat__sch`.`tbl` (a Spark database per catalog+schema,
     Delta tables under the work dir); `cat.sch` after SCHEMA/DATABASE or in SHOW … IN → `cat__sch`;
     `sch.tbl` → `<request catalog>__sch`.`tbl` when that schema exists. The request's catalog and
     schema pick the current database. Error messages get `cat`.`sch` back.
  4. QUALIFY cond → SELECT * EXCEPT (__dp_qualify) FROM (SELECT …, (cond) AS __dp_qualify FROM …)
     WHERE __dp_qualify (Spark 4.0 has no QUALIFY).
Settings instead of rewrites: spark.sql.sources.default=delta (CREATE TABLE without USING is Delta,
as on Databricks); spark.sql.avro.datetimeRebaseModeInRead=EXCEPTION by default (Spark's and so
Databricks' default; --avro-rebase-default changes it), so a read without
datetimeRebaseMode => 'CORRECTED' fails on ancient dates here as there.

Known differences from real Databricks (the test suite and the report list them): no
EXTERNAL_LINKS/ARROW_STREAM/CSV, byte_limit ignored, no 25 MiB INLINE cap, statements never expire
(no 404 after 12 h) and never reach CLOSED, no COPY INTO, no BEGIN ATOMIC/transactions, INSERT
returns no row counts (Spark), BINARY values are rendered base64 and other values as Spark's CAST(…
AS STRING) (the API documents only "the string representation"), INLINE chunks are cut every
--chunk-rows rows (Databricks cuts by bytes).
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import queue
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from databricks_fake_files import AbfssResolver, FilesError, local_paths_as_uris, remove_tree
from databricks_fake_sql import (
    ReadFilesCall,
    RewriteError,
    bind_parameters,
    check_parameters,
    join,
    replace_read_files,
    restore_unity_names,
    rewrite_qualify,
    rewrite_unity_names,
    schema_database,
    tokenize,
)

API = "/api/2.0/sql/statements"
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELED", "CLOSED")
# ColumnInfoTypeName (https://docs.databricks.com/api/workspace/statementexecution/executestatement,
# manifest.schema.columns.type_name); TIMESTAMP_NTZ is not in that list: the fake says TIMESTAMP_NTZ.
TYPE_NAMES = {
    "ByteType": "BYTE", "ShortType": "SHORT", "IntegerType": "INT", "LongType": "LONG", "FloatType": "FLOAT",
    "DoubleType": "DOUBLE", "DecimalType": "DECIMAL", "StringType": "STRING", "VarcharType": "STRING",
    "CharType": "CHAR", "BinaryType": "BINARY", "BooleanType": "BOOLEAN", "DateType": "DATE",
    "TimestampType": "TIMESTAMP", "TimestampNTZType": "TIMESTAMP_NTZ", "DayTimeIntervalType": "INTERVAL",
    "YearMonthIntervalType": "INTERVAL", "ArrayType": "ARRAY", "MapType": "MAP", "StructType": "STRUCT",
    "NullType": "NULL",
}


class ApiError(Exception):
    """A request the API refuses before running anything: a non-200 answer with {error_code, message}."""

    def __init__(self, status: int, error_code: Any, message: str) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


class Statement:
    def __init__(self, request: Dict[str, Any], parameters: Dict[str, Tuple[Optional[str], Optional[str]]]) -> None:
        # The API's ids look like 01ef…-…: a UUID, printed the same way.
        self.id = str(uuid.uuid1())
        self.request = request
        self.parameters = parameters
        self.state = "PENDING"
        self.error: Optional[Dict[str, Any]] = None
        self.sql_state: Optional[str] = None
        self.columns: List[Dict[str, Any]] = []
        self.rows: List[List[Optional[str]]] = []
        self.truncated = False
        self.delay = 0.0
        self.cancelled = threading.Event()
        self.done = threading.Event()


class Twin:
    """One SparkSession and the statements run on it, strictly one after another."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.catalogs = sorted({*(args.catalog or ["main"]), *(s.split(".", 1)[0] for s in args.schema or [])})
        self.resolver = AbfssResolver(args.abfss_root, args.blob_endpoint)
        self.statements: Dict[str, Statement] = {}
        self.lock = threading.Lock()
        self.queue: "queue.Queue[Statement]" = queue.Queue()
        self.delays: List[Dict[str, Any]] = []
        self.spark = self._start_spark()
        for catalog in self.catalogs:
            self.spark.sql(f"CREATE DATABASE IF NOT EXISTS `{schema_database(catalog, 'default')}`")
        for name in args.schema or []:
            catalog, schema = name.split(".", 1)
            self.spark.sql(f"CREATE DATABASE IF NOT EXISTS `{schema_database(catalog, schema)}`")
        threading.Thread(target=self._work, name="statements", daemon=True).start()

    def _start_spark(self):
        from pyspark.sql import SparkSession

        jars = sorted(glob.glob(os.path.join(self.args.jars_dir, "*.jar")))
        if not jars:
            raise SystemExit(f"databricks_fake: no jars in {self.args.jars_dir}; run bash test/tools/spark-venv.sh")
        warehouse = os.path.join(self.args.work_dir, "warehouse")
        builder = (
            SparkSession.builder.master("local[2]")
            .appName("databricks-fake")
            .config("spark.jars", ",".join(jars))
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .config("spark.sql.sources.default", "delta")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.avro.datetimeRebaseModeInRead", self.args.avro_rebase_default)
            .config("spark.sql.warehouse.dir", warehouse)
            .config("spark.driver.memory", self.args.driver_memory)
            # A short-lived test JVM on 2 cores: C1 only (the C2 compiler's warm-up costs more than it
            # saves here) and the serial collector.
            .config("spark.driver.extraJavaOptions",
                    f"-Dderby.system.home={self.args.work_dir} -Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "2")
            .config("spark.databricks.delta.snapshotPartitions", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        # PySpark logs every failing query's context at ERROR; failures are answers here, not incidents.
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)
        return spark

    # --- lifecycle ----------------------------------------------------------------------------

    def submit(self, statement: Statement) -> None:
        with self.lock:
            self.statements[statement.id] = statement
            plan = next((d for d in self.delays if d["times"] > 0 and re.search(d["pattern"], statement.request["statement"])), None)
            if plan:
                plan["times"] -= 1
                statement.delay = plan["seconds"]
        self.queue.put(statement)

    def cancel(self, statement: Statement) -> None:
        with self.lock:
            if statement.state in TERMINAL:
                return
            running = statement.state == "RUNNING"
            statement.state = "CANCELED"
            statement.cancelled.set()
            if not running:
                statement.done.set()
        if running:
            self.spark.sparkContext.cancelJobGroup(statement.id)

    def _work(self) -> None:
        while True:
            statement = self.queue.get()
            with self.lock:
                if statement.state != "PENDING":
                    continue
                statement.state = "RUNNING"
            if statement.delay and statement.cancelled.wait(statement.delay):
                statement.done.set()
                continue
            self._execute(statement)
            statement.done.set()

    def _execute(self, statement: Statement) -> None:
        views: List[str] = []
        mirrors: List[str] = []
        sc = self.spark.sparkContext
        sc.setJobGroup(statement.id, "statement", interruptOnCancel=True)
        try:
            sql = self.translate(statement, views, mirrors)
            frame = self.spark.sql(sql)
            columns, rows = self._render(frame, statement.request.get("row_limit"))
            with self.lock:
                if statement.state == "RUNNING":
                    statement.columns, statement.rows = columns, rows[: statement.request.get("row_limit") or None]
                    statement.truncated = bool(statement.request.get("row_limit")) and len(rows) > statement.request["row_limit"]
                    statement.state = "SUCCEEDED"
        except Exception as error:  # noqa: BLE001 - every failure is an answer
            with self.lock:
                if statement.state == "RUNNING":
                    statement.state = "FAILED"
                    statement.error, statement.sql_state = self._describe(error)
        finally:
            for view in views:
                self.spark.catalog.dropTempView(view)
            for mirror in mirrors:
                remove_tree(mirror)

    # --- SQL ----------------------------------------------------------------------------------

    def translate(self, statement: Statement, views: List[str], mirrors: List[str]) -> str:
        request = statement.request
        catalog = request.get("catalog") or self.args.default_catalog
        schema = request.get("schema")
        database = schema_database(catalog, schema or "default")
        if self.spark.catalog.databaseExists(database):
            self.spark.catalog.setCurrentDatabase(database)
        elif schema:
            raise RewriteError(f"[SCHEMA_NOT_FOUND] The schema `{catalog}`.`{schema}` cannot be found. SQLSTATE: 42704")
        else:
            self.spark.catalog.setCurrentDatabase("default")

        def view_for(call: ReadFilesCall) -> str:
            return self._read_files_view(call, views, mirrors)

        tokens = bind_parameters(tokenize(request["statement"]), statement.parameters)
        tokens = replace_read_files(tokens, view_for)
        tokens = rewrite_unity_names(tokens, self.catalogs, catalog, self._schemas_of)
        tokens = rewrite_qualify(tokens)
        return join(tokens)

    def _schemas_of(self, catalog: str) -> List[str]:
        prefix = f"{catalog}__".lower()
        return [d.name[len(prefix):] for d in self.spark.catalog.listDatabases() if d.name.lower().startswith(prefix)]

    def _read_files_view(self, call: ReadFilesCall, views: List[str], mirrors: List[str]) -> str:
        options = {k: v for k, v in call.options.items() if k.lower() != "format"}
        file_format = next((v for k, v in call.options.items() if k.lower() == "format"), None)
        if file_format is None:
            raise RewriteError("read_files: the twin needs format => '<format>' (Databricks can infer it; the twin does not)")
        resolved = self.resolver.resolve(call.path)
        if resolved.cleanup:
            mirrors.append(resolved.cleanup)
        if not resolved.is_glob:
            options.setdefault("recursiveFileLookup", "true")
        frame = self.spark.read.format(file_format).options(**options).load(resolved.local)
        view = f"__dp_read_files_{len(views)}"
        frame.createOrReplaceTempView(view)
        views.append(view)
        return view

    def _render(self, frame, row_limit: Optional[int]) -> Tuple[List[Dict[str, Any]], List[List[Optional[str]]]]:
        """Manifest columns, and every value as its string (JSON_ARRAY: "the string representation of a value, or null")."""
        fields = frame.schema.fields
        columns = [self._column_info(field, position) for position, field in enumerate(fields)]
        if not fields:
            return columns, []
        renamed = frame.toDF(*[f"c{i}" for i in range(len(fields))])
        exprs = []
        for i, field in enumerate(fields):
            kind = type(field.dataType).__name__
            if kind == "BinaryType":
                exprs.append(f"base64(c{i})")
            elif kind in ("ArrayType", "MapType", "StructType"):
                exprs.append(f"to_json(c{i})")
            else:
                exprs.append(f"CAST(c{i} AS STRING)")
        projected = renamed.selectExpr(*exprs)
        if row_limit:
            projected = projected.limit(row_limit + 1)
        return columns, [list(row) for row in projected.collect()]

    @staticmethod
    def _column_info(field, position: int) -> Dict[str, Any]:
        data_type = field.dataType
        kind = type(data_type).__name__
        info: Dict[str, Any] = {
            "name": field.name,
            "type_text": data_type.simpleString(),
            "type_name": TYPE_NAMES.get(kind, "USER_DEFINED_TYPE"),
            "position": position,
        }
        if kind == "DecimalType":
            info["type_precision"], info["type_scale"] = data_type.precision, data_type.scale
        if kind in ("DayTimeIntervalType", "YearMonthIntervalType"):
            info["type_interval_type"] = data_type.simpleString().upper().replace("INTERVAL ", "")
        return info

    def _describe(self, error: Exception) -> Tuple[Dict[str, Any], Optional[str]]:
        """status.error {error_code, message} and status.sql_state of a FAILED statement."""
        if isinstance(error, (RewriteError, FilesError)):
            message, sql_state = str(error), _sql_state_in(str(error)) or "42000"
        else:
            java = getattr(error, "java_exception", None)
            getter = getattr(error, "getMessage", None) or (java.getMessage if java is not None else None)
            message = getter() if getter else str(error)
            state_getter = getattr(error, "getSqlState", None) or (getattr(java, "getSqlState", None) if java is not None else None)
            try:
                sql_state = state_getter() if state_getter else None
            except Exception:  # noqa: BLE001 - a Java exception that is not a SparkThrowable
                sql_state = None
            sql_state = sql_state or _sql_state_in(message)
        message = restore_unity_names(message or type(error).__name__, self.catalogs)
        message = local_paths_as_uris(message, self.args.abfss_root)
        code = "INTERNAL_ERROR" if sql_state and sql_state.startswith("XX") else "BAD_REQUEST"
        return {"error_code": code, "message": message}, sql_state


def _sql_state_in(message: str) -> Optional[str]:
    match = re.search(r"SQLSTATE: (\w{5})", message)
    return match.group(1) if match else None


# --- responses --------------------------------------------------------------------------------


def chunk_bounds(statement: Statement, size: int) -> List[Tuple[int, int]]:
    return [(offset, min(size, len(statement.rows) - offset)) for offset in range(0, len(statement.rows), size)]


def chunk_data(statement: Statement, index: int, size: int) -> Dict[str, Any]:
    bounds = chunk_bounds(statement, size)
    offset, count = bounds[index]
    data: Dict[str, Any] = {
        "chunk_index": index, "row_offset": offset, "row_count": count,
        "data_array": statement.rows[offset : offset + count],
    }
    if index + 1 < len(bounds):
        data["next_chunk_index"] = index + 1
        data["next_chunk_internal_link"] = f"{API}/{statement.id}/result/chunks/{index + 1}"
    return data


def statement_response(statement: Statement, chunk_rows: int) -> Dict[str, Any]:
    status: Dict[str, Any] = {"state": statement.state}
    if statement.state == "FAILED":
        status["error"] = statement.error
        if statement.sql_state:
            status["sql_state"] = statement.sql_state
    body: Dict[str, Any] = {"statement_id": statement.id, "status": status}
    if statement.state != "SUCCEEDED":
        return body
    bounds = chunk_bounds(statement, chunk_rows)
    manifest: Dict[str, Any] = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(statement.columns), "columns": statement.columns},
        "total_chunk_count": len(bounds),
        "total_row_count": len(statement.rows),
        "truncated": statement.truncated,
    }
    if bounds:
        manifest["chunks"] = [{"chunk_index": i, "row_offset": o, "row_count": c} for i, (o, c) in enumerate(bounds)]
    body["manifest"] = manifest
    body["result"] = chunk_data(statement, 0, chunk_rows) if bounds else {}
    return body


def parse_execute(body: Any, warehouse_id: str) -> Tuple[Dict[str, Any], Dict[str, Tuple[Optional[str], Optional[str]]], float, str]:
    """Validates an execute request as the API does before accepting it (HTTP 400 otherwise)."""
    def invalid(message: str) -> ApiError:
        return ApiError(400, "INVALID_PARAMETER_VALUE", message)

    if not isinstance(body, dict):
        raise ApiError(400, "MALFORMED_REQUEST", "Request body must be a JSON object")
    if not isinstance(body.get("statement"), str) or not body["statement"].strip():
        raise invalid("statement is required")
    if len(body["statement"].encode()) > 16 * 1024 * 1024:
        raise invalid("The maximum query text size is 16 MiB")
    if not isinstance(body.get("warehouse_id"), str) or not body["warehouse_id"]:
        raise invalid("warehouse_id is required")
    if body["warehouse_id"] != warehouse_id:
        raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Warehouse {body['warehouse_id']} does not exist")
    wait = body.get("wait_timeout", "10s")
    match = re.fullmatch(r"(\d+)s", wait) if isinstance(wait, str) else None
    if not match or not (int(match.group(1)) == 0 or 5 <= int(match.group(1)) <= 50):
        raise invalid(f"wait_timeout must be 0s or between 5s and 50s, got {wait!r}")
    on_timeout = body.get("on_wait_timeout", "CONTINUE")
    if on_timeout not in ("CONTINUE", "CANCEL"):
        raise invalid(f"on_wait_timeout must be CONTINUE or CANCEL, got {on_timeout!r}")
    disposition, result_format = body.get("disposition", "INLINE"), body.get("format", "JSON_ARRAY")
    if disposition == "EXTERNAL_LINKS":
        raise invalid("databricks_fake: disposition EXTERNAL_LINKS is not implemented by the fake")
    if disposition != "INLINE" or result_format != "JSON_ARRAY":
        raise invalid(f"disposition {disposition} with format {result_format} is not supported (INLINE needs JSON_ARRAY)")
    row_limit = body.get("row_limit")
    if row_limit is not None and (not isinstance(row_limit, int) or row_limit <= 0):
        raise invalid("row_limit must be a positive integer")
    for key in ("catalog", "schema"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid(f"{key} must be a string")
    try:
        parameters = check_parameters(body.get("parameters"))
    except ValueError as error:
        raise invalid(str(error)) from error
    return body, parameters, float(match.group(1)), on_timeout


class Handler(BaseHTTPRequestHandler):
    server: "FakeServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        path = self.path.split("?", 1)[0]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        try:
            if path.startswith("/_fake/"):
                return self._send(200, self.server.fake_endpoint(method, path, body))
            self.server.record(method, self.path, dict(self.headers.items()), body)
            self.server.authorize(self.headers.get("Authorization"))
            if isinstance(body, str):
                raise ApiError(400, "MALFORMED_REQUEST", "Could not parse request object: invalid JSON")
            self._send(200, self.server.route(method, path, body))
        except ApiError as error:
            self._send(error.status, {"error_code": error.error_code, "message": error.message})

    def _send(self, status: int, body: Any) -> None:
        text = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, twin: Twin, args: argparse.Namespace) -> None:
        super().__init__((args.host, args.port), Handler)
        self.twin, self.args = twin, args
        self.requests: List[Dict[str, Any]] = []
        self.requests_lock = threading.Lock()

    def record(self, method: str, target: str, headers: Dict[str, str], body: Any) -> None:
        """Every API request, with the Authorization value replaced by its scheme (the token never lands anywhere)."""
        kept = {k.lower(): v for k, v in headers.items()}
        if "authorization" in kept:
            kept["authorization"] = kept["authorization"].split(" ", 1)[0] + " <redacted>"
        entry = {"method": method, "path": target.split("?", 1)[0], "query": target.partition("?")[2], "headers": kept, "body": body}
        with self.requests_lock:
            self.requests.append(entry)
            if self.args.requests_log:
                with open(self.args.requests_log, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")

    def authorize(self, header: Optional[str]) -> None:
        # No credential: 401; a wrong token: 403 "Invalid access token." — both with a numeric
        # error_code (seen from the live service: databricks/databricks-sdk-go#873, PipedreamHQ/pipedream#20701).
        if not header or not header.startswith("Bearer "):
            raise ApiError(401, 401, f"Credential was not sent or was of an unsupported type for this API. [ReqId: {uuid.uuid4()}]")
        if header[len("Bearer "):] != self.args.token:
            raise ApiError(403, 403, "Invalid access token.")

    def route(self, method: str, path: str, body: Any) -> Dict[str, Any]:
        parts = [p for p in path[len(API):].split("/") if p] if path.startswith(API) else None
        if parts == [] and method == "POST":
            return self.execute(body, record=True)
        if parts and len(parts) in (1, 2, 4):
            statement = self.twin.statements.get(parts[0])
            if statement is None:
                raise ApiError(404, "NOT_FOUND", f"Statement {parts[0]} not found")
            if len(parts) == 1 and method == "GET":
                return statement_response(statement, self.args.chunk_rows)
            if parts[1:] == ["cancel"] and method == "POST":
                self.twin.cancel(statement)
                return {}
            if len(parts) == 4 and parts[1:3] == ["result", "chunks"] and method == "GET":
                return self.chunk(statement, parts[3])
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def chunk(self, statement: Statement, index_text: str) -> Dict[str, Any]:
        if statement.state != "SUCCEEDED":
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Statement {statement.id} is {statement.state}: no result to fetch")
        bounds = chunk_bounds(statement, self.args.chunk_rows)
        if not index_text.isdigit() or int(index_text) >= len(bounds):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"chunk_index {index_text} is out of range (0..{len(bounds) - 1})")
        return chunk_data(statement, int(index_text), self.args.chunk_rows)

    def execute(self, body: Any, record: bool) -> Dict[str, Any]:
        request, parameters, wait, on_timeout = parse_execute(body, self.args.warehouse_id)
        statement = Statement(request, parameters)
        if wait == 0:
            # Asynchronous mode answers at once with PENDING (executeStatement, wait_timeout).
            answer = statement_response(statement, self.args.chunk_rows)
            self.twin.submit(statement)
            return answer
        self.twin.submit(statement)
        if not statement.done.wait(wait) and on_timeout == "CANCEL":
            self.twin.cancel(statement)
        return statement_response(statement, self.args.chunk_rows)

    def fake_endpoint(self, method: str, path: str, body: Any) -> Any:
        if path == "/_fake/health":
            return {"ok": True}
        if path == "/_fake/requests" and method == "GET":
            with self.requests_lock:
                return list(self.requests)
        if path == "/_fake/requests" and method == "DELETE":
            with self.requests_lock:
                self.requests.clear()
            return {}
        if path == "/_fake/blob-endpoint" and method == "POST":
            self.twin.resolver.add_blob_endpoint(body["endpoint"])
            return {}
        if path == "/_fake/delay" and method == "POST":
            self.twin.delays.append({"pattern": body["pattern"], "seconds": float(body["seconds"]), "times": int(body.get("times", 1))})
            return {}
        if path == "/_fake/sql" and method == "POST":
            request, parameters, _, _ = parse_execute({"warehouse_id": self.args.warehouse_id, **body, "wait_timeout": "0s"}, self.args.warehouse_id)
            statement = Statement(request, parameters)
            self.twin.submit(statement)
            statement.done.wait()
            return statement_response(statement, 1 << 30)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No fake endpoint {method} {path}")


def main() -> None:
    started = time.monotonic()
    parser = argparse.ArgumentParser(description="A fake Databricks SQL Statement Execution API over local Spark + Delta.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed in the ready line)")
    parser.add_argument("--warehouse-id", default="fake-warehouse")
    parser.add_argument("--work-dir", help="Delta tables and Spark's scratch space (default: a temporary folder, removed at exit)")
    parser.add_argument("--abfss-root", help="resolve abfss://c@acct.dfs.core.windows.net/p to DIR/acct/c/p")
    parser.add_argument("--blob-endpoint", help="resolve abfss URIs by downloading from this Azurite blob endpoint (…/<account>)")
    parser.add_argument("--catalog", action="append", help="a Unity Catalog catalog name (repeatable; default main)")
    parser.add_argument("--schema", action="append", help="a schema catalog.schema to create at start (repeatable)")
    parser.add_argument("--default-catalog", default="main")
    parser.add_argument("--requests-log", help="also append every recorded request to this JSONL file")
    parser.add_argument("--avro-rebase-default", default="EXCEPTION", choices=["EXCEPTION", "CORRECTED", "LEGACY"])
    parser.add_argument("--chunk-rows", type=int, default=10_000, help="rows per INLINE result chunk")
    parser.add_argument("--driver-memory", default="1g")
    parser.add_argument("--jars-dir", default=os.path.join(os.path.dirname(sys.prefix), "jars"))
    args = parser.parse_args()
    args.token = os.environ.get("DATABRICKS_FAKE_TOKEN")
    if not args.token:
        raise SystemExit("databricks_fake: set DATABRICKS_FAKE_TOKEN to the bearer token clients must send")
    own_work_dir = args.work_dir is None
    args.work_dir = args.work_dir or tempfile.mkdtemp(prefix="databricks-fake-")
    twin = Twin(args)
    server = FakeServer(twin, args)

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    ready = {"ready": True, "url": f"http://{host}:{port}", "startup_seconds": round(time.monotonic() - started, 2)}
    print(json.dumps(ready), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        twin.spark.stop()
        if own_work_dir:
            remove_tree(args.work_dir)


if __name__ == "__main__":
    main()
