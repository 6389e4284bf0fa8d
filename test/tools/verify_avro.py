#!/usr/bin/env python3
"""Independent check of DataPipe AVRO parts with fastavro (a second, non-avsc implementation).

    python3 test/tools/verify_avro.py <dir-or-file>... [--expect-rows N] [--dump FILE]

Walks the arguments for *.avro files and, for each one:
  * checks the header schema: a record whose fields carry ``datapipe.kind`` and the AVRO type
    docs/types.md prescribes for it, logical types included (decimal with integer precision/scale on
    bytes, date on int, local-timestamp-micros / timestamp-micros on long), nullable as
    ["null", T] with default null; under the ``redshift-text`` encoding (a record attribute
    ``"datapipe.encoding": "redshift-text"``, docs/encodings.md) decimal, date, datetime,
    timestamp and bytes fields must instead be AVRO ``string`` with their text form in the field's
    ``datapipe.encoding`` (a decimal also with integer ``datapipe.precision`` / ``datapipe.scale``);
  * decodes every record with fastavro and checks each value's Python type against the kind
    (so fastavro really applied the logical types); a text-encoded value must match its form's
    pattern exactly and parse as a real date / time / number of at most ``precision`` digits, and
    under ``redshift-text`` every string and hex value must fit a Redshift VARCHAR (65,535 bytes);
  * prints one summary line per file (records, codec, fields).
``--manifests`` instead walks the arguments for DataPipe run manifests (``_manifest*.json``) and
checks every part each one lists: bytes, sha256 and record count against the manifest, and the
manifest's total. Parts no manifest lists (a killed extraction's leftovers) are not read.
``--expect-rows N`` checks the total record count. ``--dump FILE`` writes every record as a JSON
line ``{"file": ..., "record": {...}}`` with decimals as fixed-point strings, bytes as hex,
datetimes as ISO text with 6 fraction digits (timestamps in UTC ending in Z), longs as strings
(exact beyond 2^53) and non-finite floats as "NaN" / "Infinity" / "-Infinity"; text-encoded
values are parsed with Python's datetime / decimal and dumped the same way, so both encodings of
the same rows dump identically.
Exits 0 when every check passed, 1 on any failure, 2 on a usage error or a missing fastavro.
"""

import argparse
import datetime
import decimal
import json
import math
import os
import re
import sys

try:
    import fastavro
except ImportError:  # pragma: no cover - reported, not tested
    print("verify_avro: fastavro is not installed (pip install fastavro)", file=sys.stderr)
    sys.exit(2)

SIMPLE = {
    "boolean": "boolean", "int64": "long", "float32": "float", "float64": "double",
    "string": "string", "json": "string", "interval": "string", "bytes": "bytes",
}
LOGICAL = {
    "date": ("int", "date"),
    "datetime": ("long", "local-timestamp-micros"),
    "timestamp": ("long", "timestamp-micros"),
    "decimal": ("bytes", "decimal"),
}

# The redshift-text encoding: the text form each kind takes (docs/encodings.md).
TEXT_FORMS = {
    "decimal": "decimal-text", "date": "date-text", "datetime": "datetime-text",
    "timestamp": "timestamp-text", "bytes": "hex",
}
ENCODINGS = ("redshift-text",)
VARCHAR_MAX_BYTES = 65535
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")
TIMESTAMP_TEXT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6})\+00")
HEX_TEXT = re.compile(r"(?:[0-9a-f]{2})*")


class Field:
    """A checked field: name, kind, nullable, and for a text-encoded one its form and decimal shape."""

    def __init__(self, name, kind, nullable, encoding, form=None, precision=None, scale=None):
        self.name, self.kind, self.nullable, self.encoding = name, kind, nullable, encoding
        self.form, self.precision, self.scale = form, precision, scale
        if form == "decimal-text":
            body = r"-?(?:0|[1-9][0-9]*)" + (r"\.[0-9]{%d}" % scale if scale > 0 else "")
            self.pattern = re.compile(body)


class Failure(Exception):
    """A check that failed, with the reason as its message."""


def avro_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, names in os.walk(path):
                for name in sorted(names):
                    if name.endswith(".avro"):
                        yield os.path.join(root, name)
        elif os.path.isfile(path):
            yield path
        else:
            raise Failure(f"{path}: no such file or folder")


def record_encoding(schema):
    """The record's encoding: "standard" when it has no datapipe.encoding attribute."""
    encoding = schema.get("datapipe.encoding")
    if encoding is None:
        return "standard"
    if encoding not in ENCODINGS:
        raise Failure(f"unknown record datapipe.encoding {encoding!r}")
    return encoding


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_field(field, encoding="standard"):
    """Returns the Field after checking its declared type against its kind under the encoding."""
    name = field.get("name")
    kind = field.get("datapipe.kind")
    if kind is None:
        raise Failure(f"field {name}: no datapipe.kind attribute (not a DataPipe part?)")
    ftype = field.get("type")
    nullable = isinstance(ftype, list)
    if nullable:
        if len(ftype) != 2 or ftype[0] != "null":
            raise Failure(f"field {name}: a nullable type must be [\"null\", T], got {json.dumps(ftype)}")
        if "default" not in field or field["default"] is not None:
            raise Failure(f"field {name}: a nullable field needs \"default\": null")
        ftype = ftype[1]
    form = field.get("datapipe.encoding")
    expected_form = TEXT_FORMS.get(kind) if encoding == "redshift-text" else None
    if form != expected_form:
        raise Failure(f"field {name}: kind {kind} under the {encoding} encoding needs datapipe.encoding {expected_form!r}, got {form!r}")
    if form is not None:
        if ftype != "string":
            raise Failure(f"field {name}: the {form} form needs AVRO string, got {json.dumps(ftype)}")
        if form != "decimal-text":
            return Field(name, kind, nullable, encoding, form)
        precision, scale = field.get("datapipe.precision"), field.get("datapipe.scale")
        if not is_int(precision) or not is_int(scale) or precision < 1 or not 0 <= scale <= precision:
            raise Failure(f"field {name}: decimal-text needs integer datapipe.precision >= 1 and 0 <= datapipe.scale <= precision, got {precision!r}, {scale!r}")
        return Field(name, kind, nullable, encoding, form, precision, scale)
    if kind in SIMPLE:
        if ftype != SIMPLE[kind]:
            raise Failure(f"field {name}: kind {kind} needs AVRO {SIMPLE[kind]}, got {json.dumps(ftype)}")
    elif kind in LOGICAL:
        base, logical = LOGICAL[kind]
        if not isinstance(ftype, dict) or ftype.get("type") != base or ftype.get("logicalType") != logical:
            raise Failure(f"field {name}: kind {kind} needs {{type: {base}, logicalType: {logical}}}, got {json.dumps(ftype)}")
        if kind == "decimal":
            precision, scale = ftype.get("precision"), ftype.get("scale")
            if not isinstance(precision, int) or not isinstance(scale, int) or precision < 1 or not 0 <= scale <= precision:
                raise Failure(f"field {name}: decimal needs integer precision >= 1 and 0 <= scale <= precision, got {json.dumps(ftype)}")
    else:
        raise Failure(f"field {name}: unknown datapipe.kind {kind!r}")
    return Field(name, kind, nullable, encoding)


PY_TYPES = {
    "boolean": (bool,), "int64": (int,), "float32": (float,), "float64": (float,),
    "string": (str,), "json": (str,), "interval": (str,), "bytes": (bytes,),
    "decimal": (decimal.Decimal,), "date": (datetime.date,), "datetime": (datetime.datetime,),
    "timestamp": (datetime.datetime,),
}


def check_value(field, value):
    name, kind = field.name, field.kind
    if value is None:
        if not field.nullable:
            raise Failure(f"field {name}: null in a non-nullable field")
        return
    if field.form is not None:
        check_text(field, value)
        return
    if not isinstance(value, PY_TYPES[kind]) or (kind == "int64" and isinstance(value, bool)):
        raise Failure(f"field {name}: fastavro decoded a {type(value).__name__} for kind {kind} (logical type not applied?)")
    if kind == "datetime" and value.tzinfo is not None:
        raise Failure(f"field {name}: a datetime (local-timestamp-micros) decoded with a zone")
    if kind == "timestamp" and value.tzinfo is None:
        raise Failure(f"field {name}: a timestamp (timestamp-micros) decoded without a zone")
    if kind == "date" and isinstance(value, datetime.datetime):
        raise Failure(f"field {name}: a date decoded as a datetime")
    if field.encoding == "redshift-text" and kind in ("string", "json", "interval") and len(value.encode("utf-8")) > VARCHAR_MAX_BYTES:
        raise Failure(f"field {name}: a text of {len(value.encode('utf-8'))} UTF-8 bytes does not fit a Redshift VARCHAR")


def check_text(field, value):
    """A text-encoded value: its form's exact pattern, and a real value once parsed."""
    name, form = field.name, field.form
    if not isinstance(value, str):
        raise Failure(f"field {name}: fastavro decoded a {type(value).__name__} for the {form} form")
    shown = value if len(value) <= 60 else value[:60] + "..."
    try:
        parse_text(field, value)
    except (ValueError, decimal.InvalidOperation) as error:
        raise Failure(f"field {name}: {shown!r} is not {form} ({error})") from None


def parse_text(field, value):
    """The Python value a text form stands for; ValueError when the text is not exactly that form."""
    form = field.form
    if form == "decimal-text":
        if not field.pattern.fullmatch(value):
            raise ValueError(f"expected plain digits with exactly {field.scale} fraction digits")
        if value.startswith("-") and not value.strip("-0."):
            raise ValueError("negative zero")
        digits = value.lstrip("-").replace(".", "").lstrip("0")
        if len(digits) > field.precision:
            raise ValueError(f"{len(digits)} digits, more than precision {field.precision}")
        return decimal.Decimal(value)
    if form == "date-text":
        if not DATE_TEXT.fullmatch(value):
            raise ValueError("expected YYYY-MM-DD")
        return datetime.date.fromisoformat(value)
    if form == "datetime-text":
        if not DATETIME_TEXT.fullmatch(value):
            raise ValueError("expected YYYY-MM-DD HH:MM:SS.ffffff")
        return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")
    if form == "timestamp-text":
        match = TIMESTAMP_TEXT.fullmatch(value)
        if not match:
            raise ValueError("expected YYYY-MM-DD HH:MM:SS.ffffff+00")
        return datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    if form == "hex":
        if not HEX_TEXT.fullmatch(value):
            raise ValueError("expected lowercase hex digits in pairs")
        if len(value) > VARCHAR_MAX_BYTES:
            raise ValueError(f"{len(value)} characters do not fit a Redshift VARCHAR")
        return bytes.fromhex(value)
    raise ValueError(f"unknown form {form!r}")


def dump_value(field, value):
    kind = field.kind
    if value is None:
        return None
    if field.form is not None:
        value = parse_text(field, value)
    if kind == "decimal":
        return format(value, "f")
    if kind == "bytes":
        return value.hex()
    if kind == "int64":
        return str(value)
    if kind in ("float32", "float64"):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.isoformat(timespec="microseconds")
    if kind == "timestamp":
        utc = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return utc.isoformat(timespec="microseconds") + "Z"
    return value


def verify_file(path, dump):
    with open(path, "rb") as handle:
        reader = fastavro.reader(handle)
        codec = reader.codec
        schema = json.loads(reader.metadata["avro.schema"])
        if not isinstance(schema, dict) or schema.get("type") != "record":
            raise Failure("the header schema is not a record")
        encoding = record_encoding(schema)
        fields = [check_field(f, encoding) for f in schema.get("fields", [])]
        if not fields:
            raise Failure("the header schema has no fields")
        count = 0
        for record in reader:
            for field in fields:
                check_value(field, record.get(field.name))
            if dump is not None:
                row = {field.name: dump_value(field, record.get(field.name)) for field in fields}
                dump.write(json.dumps({"file": path, "record": row}, ensure_ascii=False) + "\n")
            count += 1
    return count, codec, len(fields)


def manifest_parts(paths):
    """(part path, manifest path, expected rows, bytes, sha256) for every part of every manifest."""
    import hashlib  # noqa: F401  (used by verify_manifest_part)
    for path in paths:
        for root, _dirs, names in os.walk(path):
            for name in sorted(names):
                if name.startswith("_manifest") and name.endswith(".json"):
                    manifest_path = os.path.join(root, name)
                    with open(manifest_path, encoding="utf-8") as handle:
                        manifest = json.load(handle)
                    listed = sum(f["rows"] for f in manifest["files"])
                    if listed != manifest["rows"]:
                        raise Failure(f"{manifest_path}: files list {listed} rows, manifest says {manifest['rows']}")
                    for part in manifest["files"]:
                        part_path = os.path.join(root, part["key"].rsplit("/", 1)[-1])
                        yield part_path, manifest_path, part["rows"], part["bytes"], part["sha256"]


def verify_manifest_part(part_path, rows, size, sha256, dump):
    import hashlib
    with open(part_path, "rb") as handle:
        data = handle.read()
    if len(data) != size:
        raise Failure(f"{len(data)} bytes on disk, the manifest lists {size}")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Failure("sha256 differs from the manifest")
    count, codec, nfields = verify_file(part_path, dump)
    if count != rows:
        raise Failure(f"{count} records, the manifest lists {rows}")
    return count, codec, nfields


def main_manifests(paths):
    failures = 0
    total = 0
    files = 0
    manifests = set()
    try:
        parts = list(manifest_parts(paths))
    except (Failure, ValueError, OSError, KeyError) as failure:
        print(f"FAIL {failure}")
        return 1
    for part_path, manifest_path, rows, size, sha256 in parts:
        files += 1
        manifests.add(manifest_path)
        try:
            count, codec, nfields = verify_manifest_part(part_path, rows, size, sha256, None)
        except (Failure, ValueError, OSError, EOFError, KeyError) as failure:
            failures += 1
            print(f"FAIL {part_path}: {failure}")
            continue
        total += count
        print(f"OK   {part_path}: {count} records = manifest, codec {codec}, {nfields} fields")
    if files == 0:
        print("FAIL no manifests with parts found")
        return 1
    print(f"{len(manifests)} manifests, {files} files, {total} records, {failures} failures")
    return 1 if failures else 0


def main(argv):
    if "--manifests" in argv:
        return main_manifests([a for a in argv if a != "--manifests"])
    parser = argparse.ArgumentParser(description="Verify DataPipe AVRO parts with fastavro.")
    parser.add_argument("paths", nargs="+", help="files or folders (walked for *.avro)")
    parser.add_argument("--expect-rows", type=int, help="the total number of records expected")
    parser.add_argument("--dump", help="write every record as a JSON line to this file")
    args = parser.parse_args(argv)

    failures = 0
    total = 0
    files = 0
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    try:
        try:
            paths = list(avro_files(args.paths))
        except Failure as failure:
            print(f"FAIL {failure}")
            return 1
        for path in paths:
            files += 1
            try:
                count, codec, nfields = verify_file(path, dump)
            except (Failure, ValueError, OSError, EOFError, KeyError) as failure:
                failures += 1
                print(f"FAIL {path}: {failure}")
                continue
            total += count
            print(f"OK   {path}: {count} records, codec {codec}, {nfields} fields")
    finally:
        if dump is not None:
            dump.close()

    if files == 0:
        print("FAIL no .avro files found")
        return 1
    if args.expect_rows is not None and total != args.expect_rows:
        print(f"FAIL expected {args.expect_rows} records in total, found {total}")
        failures += 1
    print(f"{files} files, {total} records, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
