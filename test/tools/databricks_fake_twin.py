"""The Spark side of the Databricks FAKE (databricks_fake.py): one SparkSession with Delta, the
statements it runs strictly one after another, and how their results and failures are described
(manifest columns, JSON_ARRAY strings, status.error and status.sql_state).
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import queue
import re
import threading
import uuid
from typing import Any, Dict, List, Optional, Tuple

from databricks_fake_files import AbfssResolver, FilesError, local_paths_as_uris, remove_tree
from databricks_fake_sql import (
    ReadFilesCall,
    RewriteError,
    bind_parameters,
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
        options = {k: v for k, v in call.options.items() if k.lower() not in ("format", "schema")}
        file_format = next((v for k, v in call.options.items() if k.lower() == "format"), None)
        # read_files' `schema` option (a DDL column list) is the reader's schema, not a data source option.
        schema = next((v for k, v in call.options.items() if k.lower() == "schema"), None)
        if file_format is None:
            raise RewriteError("read_files: the twin needs format => '<format>' (Databricks can infer it; the twin does not)")
        resolved = self.resolver.resolve(call.path)
        if resolved.cleanup:
            mirrors.append(resolved.cleanup)
        if not resolved.is_glob:
            options.setdefault("recursiveFileLookup", "true")
        reader = self.spark.read.format(file_format).options(**options)
        frame = (reader.schema(schema) if schema is not None else reader).load(resolved.local)
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
