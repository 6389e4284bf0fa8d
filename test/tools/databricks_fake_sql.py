"""Text rewrites that turn the Databricks SQL a warehouse adapter sends into open-source Spark SQL.

Part of the Databricks FAKE (databricks_fake.py): pure functions over a small SQL tokenizer, no
Spark here. Each rewrite is listed, with why, in databricks_fake.py's header. They are text-based
and minimal on purpose: the statement Spark runs stays the statement the client sent, except for
these spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

Token = Tuple[str, str]  # (kind, text): ws, comment, string, bident, ident, number, param, op


class RewriteError(Exception):
    """A statement the twin cannot translate; it fails the statement (never the server)."""


_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<comment>--[^\n]*|/\*.*?\*/)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<bident>`(?:[^`]|``)*`)
      | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[A-Za-z]*|\.\d+(?:[eE][+-]?\d+)?[A-Za-z]*)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<param>(?<!:):[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>::|=>|<=>|<>|!=|<=|>=|\|\||.)""",
    re.VERBOSE | re.DOTALL,
)


def tokenize(sql: str) -> List[Token]:
    tokens: List[Token] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        if match is None or match.end() == pos:  # an unterminated quote: keep the rest as is
            tokens.append(("op", sql[pos:]))
            break
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def join(tokens: Sequence[Token]) -> str:
    return "".join(text for _, text in tokens)


def _is_word(token: Token, *words: str) -> bool:
    return token[0] == "ident" and token[1].upper() in words


def _name_part(token: Token) -> Optional[str]:
    """The identifier a name token stands for (backticks removed), or None."""
    if token[0] == "ident":
        return token[1]
    if token[0] == "bident":
        return token[1][1:-1].replace("``", "`")
    return None


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def unquote_string(literal: str) -> str:
    """The value of a Spark SQL string literal (backslash escapes are on by default)."""
    body = literal[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "Z": "\x1a"}
    out: List[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            i += 1
            out.append(escapes.get(body[i], body[i]))
        else:
            out.append(char)
        i += 1
    return "".join(out)


def string_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- named parameter markers ------------------------------------------------------------------

_TYPE_TEXT = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$")


def check_parameters(parameters: object) -> Dict[str, Tuple[Optional[str], Optional[str]]]:
    """Validates the request's `parameters` ([{name, value?, type?}]); raises ValueError saying why."""
    if parameters is None:
        return {}
    if not isinstance(parameters, list):
        raise ValueError("parameters must be an array of {name, value, type}")
    bound: Dict[str, Tuple[Optional[str], Optional[str]]] = {}
    for item in parameters:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item["name"] == "":
            raise ValueError("every parameter needs a non-empty string name")
        value, type_text = item.get("value"), item.get("type")
        if value is not None and not isinstance(value, str):
            raise ValueError(f"parameter {item['name']}: value must be a string (or omitted for NULL)")
        if type_text is not None and (not isinstance(type_text, str) or not _TYPE_TEXT.match(type_text.strip())):
            raise ValueError(f"parameter {item['name']}: type {type_text!r} is not a SQL type name")
        bound[item["name"]] = (value, type_text.strip() if isinstance(type_text, str) else None)
    return bound


def bind_parameters(tokens: List[Token], bound: Dict[str, Tuple[Optional[str], Optional[str]]]) -> List[Token]:
    """`:name` → the value as a literal, CAST to the declared type: the API casts a typed value's
    string "using the cast function" and reads an untyped one as STRING. Markers without a
    parameter stay, so Spark reports them unbound."""
    out: List[Token] = []
    for kind, text in tokens:
        if kind == "param" and text[1:] in bound:
            value, type_text = bound[text[1:]]
            literal = "NULL" if value is None else string_literal(value)
            type_text = type_text or ("STRING" if value is None else None)
            out.append(("op", f"CAST({literal} AS {type_text})" if type_text else literal))
        else:
            out.append((kind, text))
    return out


# --- Unity Catalog three-level names ----------------------------------------------------------


def schema_database(catalog: str, schema: str) -> str:
    """The Spark database that stands for Unity Catalog schema `catalog`.`schema`."""
    return f"{catalog}__{schema}"


def _name_chains(tokens: Sequence[Token]) -> List[Tuple[int, int, List[str]]]:
    """(first index, last index, parts) of every dotted name `a.b.c` (whitespace-free)."""
    chains = []
    i = 0
    while i < len(tokens):
        part = _name_part(tokens[i])
        previous = tokens[i - 1][1] if i > 0 else ""
        if part is None or previous == "." or tokens[i][0] == "ident" and i + 1 < len(tokens) and tokens[i + 1][1] == "(":
            i += 1
            continue
        parts, end = [part], i
        while end + 2 < len(tokens) and tokens[end + 1][1] == "." and _name_part(tokens[end + 2]) is not None:
            parts.append(_name_part(tokens[end + 2]) or "")
            end += 2
        chains.append((i, end, parts))
        i = end + 1
    return chains


_SCHEMA_WORDS = ("SCHEMA", "DATABASE", "NAMESPACE")


def _schema_position(tokens: Sequence[Token], start: int) -> bool:
    """Whether the name at `start` names a schema: after SCHEMA/DATABASE (IF [NOT] EXISTS), or IN/FROM of SHOW."""
    words = [t[1].upper() for t in tokens[:start] if t[0] not in ("ws", "comment")][-4:]
    while words and words[-1] in ("IF", "NOT", "EXISTS"):
        words.pop()
    if words and words[-1] in _SCHEMA_WORDS:
        return True
    return bool(words) and words[-1] in ("IN", "FROM") and "SHOW" in words


def rewrite_unity_names(
    tokens: List[Token], catalogs: Sequence[str], current_catalog: str, schemas_of: Callable[[str], Sequence[str]]
) -> List[Token]:
    """`cat.sch.tbl[.col]` → `cat__sch`.tbl[.col] when `cat` is a known catalog; `cat.sch` in a
    schema position → `cat__sch`; `sch.tbl` → `cur__sch`.tbl when `sch` is a schema of the current
    catalog (a Spark database `cur__sch` exists)."""
    known = {c.lower() for c in catalogs}
    current_schemas = {s.lower() for s in schemas_of(current_catalog)}
    out = list(tokens)
    for start, end, parts in reversed(_name_chains(tokens)):
        first = parts[0].lower()
        if len(parts) >= 3 and first in known:
            replacement = [quote(schema_database(parts[0], parts[1]))] + [quote(p) for p in parts[2:]]
        elif len(parts) == 2 and first in known and _schema_position(tokens, start):
            replacement = [quote(schema_database(parts[0], parts[1]))]
        elif len(parts) == 2 and first in current_schemas and not _schema_position(tokens, start):
            replacement = [quote(schema_database(current_catalog, parts[0])), quote(parts[1])]
        else:
            continue
        out[start : end + 1] = [("bident", ".".join(replacement))]
    return out


def restore_unity_names(message: str, catalogs: Sequence[str]) -> str:
    """Error text speaks of `cat`.`sch`.`t` again, not of `spark_catalog`.`cat__sch`.`t`."""
    for catalog in catalogs:
        pattern = re.compile(r"(?:`spark_catalog`\.)?`" + re.escape(catalog) + r"__([^`]+)`")
        message = pattern.sub(lambda m: f"`{catalog}`.`{m.group(1)}`", message)
    return message


# --- read_files(...) --------------------------------------------------------------------------


@dataclass
class ReadFilesCall:
    path: str
    options: Dict[str, str]


def _literal_value(tokens: Sequence[Token]) -> str:
    significant = [t for t in tokens if t[0] not in ("ws", "comment")]
    text = join(significant)
    if len(significant) == 1 and significant[0][0] == "string":
        return unquote_string(significant[0][1])
    if len(significant) == 1 and _is_word(significant[0], "TRUE", "FALSE"):
        return significant[0][1].lower()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    raise RewriteError(f"read_files: the twin takes only literal option values, not {text!r}")


def _split_arguments(tokens: Sequence[Token]) -> List[List[Token]]:
    args: List[List[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token[1] == "(":
            depth += 1
        elif token[1] == ")":
            depth -= 1
        if token[1] == "," and depth == 0:
            args.append([])
        else:
            args[-1].append(token)
    return args


def _matching_paren(tokens: Sequence[Token], open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[i][1], 0) if tokens[i][0] == "op" else 0
        if depth == 0:
            return i
    raise RewriteError("read_files: unbalanced parentheses")


def replace_read_files(tokens: List[Token], view_for: Callable[[ReadFilesCall], str]) -> List[Token]:
    """Every `read_files('<uri>', key => value, …)` call → the name of a temporary view `view_for`
    made over the same files (the call is Databricks-only; Spark reads them through its data
    source API)."""
    out: List[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        j = i + 1
        while j < len(tokens) and tokens[j][0] in ("ws", "comment"):
            j += 1
        if not (_is_word(token, "READ_FILES") and j < len(tokens) and tokens[j][1] == "("):
            out.append(token)
            i += 1
            continue
        close = _matching_paren(tokens, j)
        args = _split_arguments(tokens[j + 1 : close])
        path = _literal_value(args[0])
        options: Dict[str, str] = {}
        for arg in args[1:]:
            significant = [t for t in arg if t[0] not in ("ws", "comment")]
            if len(significant) < 3 or significant[1][1] != "=>" or _name_part(significant[0]) is None:
                raise RewriteError(f"read_files: options are passed by name (key => value), not {join(arg).strip()!r}")
            options[_name_part(significant[0]) or ""] = _literal_value(significant[2:])
        out.append(("bident", quote(view_for(ReadFilesCall(path, options)))))
        i = close + 1
    return out


# --- QUALIFY ----------------------------------------------------------------------------------

_QUALIFY_ENDS = ("ORDER", "LIMIT", "OFFSET", "UNION", "INTERSECT", "EXCEPT", "MINUS", "CLUSTER", "DISTRIBUTE", "SORT")
QUALIFY_COLUMN = "__dp_qualify"


def _depths(tokens: Sequence[Token]) -> List[int]:
    depths, depth = [], 0
    for kind, text in tokens:
        if kind == "op" and text == ")":
            depth -= 1
        depths.append(depth)
        if kind == "op" and text == "(":
            depth += 1
    return depths


def rewrite_qualify(tokens: List[Token]) -> List[Token]:
    """`SELECT list FROM … QUALIFY cond [ORDER BY …]` → `SELECT * EXCEPT (__dp_qualify) FROM
    (SELECT list, (cond) AS __dp_qualify FROM …) WHERE __dp_qualify [ORDER BY …]`: open-source
    Spark 4.0 has no QUALIFY clause. Innermost first, one at a time."""
    while True:
        depths = _depths(tokens)
        found = [i for i, t in enumerate(tokens) if _is_word(t, "QUALIFY")]
        if not found:
            return tokens
        q = max(found, key=lambda i: depths[i])
        depth = depths[q]
        select = next((i for i in range(q - 1, -1, -1) if depths[i] < depth or (depths[i] == depth and _is_word(tokens[i], "SELECT"))), None)
        if select is None or not _is_word(tokens[select], "SELECT") or depths[select] != depth:
            raise RewriteError("QUALIFY: no SELECT found for it")
        from_ = next((i for i in range(select + 1, q) if depths[i] == depth and _is_word(tokens[i], "FROM")), None)
        if from_ is None:
            raise RewriteError("QUALIFY: its SELECT has no FROM")
        end = q + 1
        while end < len(tokens) and depths[end] >= depth and not (
            depths[end] == depth and (_is_word(tokens[end], *_QUALIFY_ENDS) or tokens[end][1] == ";")
        ):
            end += 1
        condition = join(tokens[q + 1 : end]).strip()
        rewritten = (
            f"SELECT * EXCEPT ({QUALIFY_COLUMN}) FROM ({join(tokens[select:from_]).rstrip()}, ({condition}) AS {QUALIFY_COLUMN} "
            f"{join(tokens[from_:q]).rstrip()}) AS __dp_qualified WHERE {QUALIFY_COLUMN} "
        )
        tokens = tokens[:select] + tokenize(rewritten) + tokens[end:]


def translate(request: Dict[str, object]) -> Dict[str, object]:
    """The rewrites without Spark, for tests and debugging: `python3 databricks_fake_sql.py < request.json`.
    read_files calls become `__dp_read_files_<n>` and are listed with their path and options."""
    calls: List[Dict[str, object]] = []

    def view_for(call: ReadFilesCall) -> str:
        calls.append({"path": call.path, "options": call.options})
        return f"__dp_read_files_{len(calls) - 1}"

    schemas = {str(k): list(v) for k, v in dict(request.get("schemas") or {}).items()}  # type: ignore[arg-type]
    tokens = bind_parameters(tokenize(str(request["statement"])), check_parameters(request.get("parameters")))
    tokens = replace_read_files(tokens, view_for)
    tokens = rewrite_unity_names(tokens, list(request.get("catalogs") or ["main"]), str(request.get("catalog") or "main"), lambda c: schemas.get(c, []))  # type: ignore[arg-type]
    return {"sql": join(rewrite_qualify(tokens)), "read_files": calls}


if __name__ == "__main__":
    import json
    import sys

    try:
        print(json.dumps(translate(json.load(sys.stdin))))
    except (RewriteError, ValueError) as error:
        print(json.dumps({"error": str(error)}))
