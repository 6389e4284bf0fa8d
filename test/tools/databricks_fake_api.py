"""The HTTP contract of the Databricks FAKE (databricks_fake.py): how an execute request is
validated before anything runs, and the shapes of StatementResponse and ResultData
(https://docs.databricks.com/api/workspace/statementexecution).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from databricks_fake_sql import check_parameters
from databricks_fake_twin import API, Statement

class ApiError(Exception):
    """A request the API refuses before running anything: a non-200 answer with {error_code, message}."""

    def __init__(self, status: int, error_code: Any, message: str) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


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
