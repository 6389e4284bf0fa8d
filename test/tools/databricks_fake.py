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

Files: this one is the HTTP server; databricks_fake_api.py validates requests and shapes responses;
databricks_fake_twin.py is the Spark side; databricks_fake_sql.py the rewrites below;
databricks_fake_files.py finds the files read_files names.

Databricks-only SQL is rewritten to open-source Spark 4.0 before it runs (databricks_fake_sql.py),
text-based and minimal:
  1. named parameter markers `:name` → the value as a string literal, `CAST(… AS <type>)` when the
     parameter has a type (the API casts the string with the cast function; untyped is STRING).
  2. read_files('abfss://c@acct.dfs.core.windows.net/p', format => 'avro', k => v, …) → a temporary
     view over spark.read.format(<format>).options(k=v, …).load(<local copy of the files>); the
     files come from --abfss-root or an Azurite --blob-endpoint (databricks_fake_files.py). A folder
     (no glob) is read recursively (recursiveFileLookup), as read_files discovers files. The
     `schema => '<DDL column list>'` option becomes the reader's schema (DataFrameReader.schema).
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
import json
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from databricks_fake_api import ApiError, chunk_bounds, chunk_data, parse_execute, statement_response
from databricks_fake_files import remove_tree
from databricks_fake_twin import API, Statement, Twin


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
