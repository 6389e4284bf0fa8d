"""Where the Databricks FAKE (databricks_fake.py) finds the files a `read_files('abfss://…')` names.

An `abfss://<container>@<account>.dfs.core.windows.net/<path>` URI resolves to local files: when
an Azurite blob endpoint is known for the account (`--blob-endpoint http://127.0.0.1:10000/<account>`
or POST /_fake/blob-endpoint), the matching blobs are downloaded into a fresh temporary mirror;
otherwise they are read under a folder (`--abfss-root DIR`: DIR/<account>/<container>/<path>). The path may hold a Hadoop glob (`*`, `?`,
`[ab]`, `{a,b}`); without one it names a file or a folder read recursively, as read_files does
(https://learn.microsoft.com/azure/databricks/sql/language-manual/functions/read_files, "File
discovery"). Containers on Azurite need public read access (a plain GET lists and reads them:
https://learn.microsoft.com/rest/api/storageservices/list-blobs).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, List, Optional

ABFSS = re.compile(r"^abfss://(?P<container>[^@/]+)@(?P<account>[^./]+)\.dfs\.core\.windows\.net(?:/(?P<path>.*))?$")
GLOB_CHARS = re.compile(r"[*?\[{]")


class FilesError(Exception):
    """The URI cannot be read; it fails the statement with this message."""


@dataclass
class ResolvedPath:
    #: What Spark loads: a local path, possibly with the glob kept.
    local: str
    #: Whether the path is a glob (else a file or folder, read recursively).
    is_glob: bool
    #: A temporary mirror to delete after the statement, if one was made.
    cleanup: Optional[str]


def glob_regex(pattern: str) -> re.Pattern:
    """A Hadoop glob as a regex over a whole blob path: `*` and `?` stay within one path segment."""
    out, i, in_braces = [], 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 1
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                raise FilesError(f"unclosed [ in glob {pattern!r}")
            body = pattern[i + 1 : close]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            i = close
        elif char == "{":
            in_braces += 1
            out.append("(?:")
        elif char == "}" and in_braces:
            in_braces -= 1
            out.append(")")
        elif char == "," and in_braces:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("^" + "".join(out) + "$")


class AbfssResolver:
    def __init__(self, abfss_root: Optional[str], blob_endpoint: Optional[str]) -> None:
        self.abfss_root = abfss_root
        #: storage account → Azurite blob endpoint (…/<account>); --blob-endpoint and POST /_fake/blob-endpoint add to it.
        self.blob_endpoints: Dict[str, str] = {}
        if blob_endpoint:
            self.add_blob_endpoint(blob_endpoint)

    def add_blob_endpoint(self, endpoint: str) -> None:
        endpoint = endpoint.rstrip("/")
        self.blob_endpoints[endpoint.rsplit("/", 1)[-1]] = endpoint

    def resolve(self, uri: str) -> ResolvedPath:
        match = ABFSS.match(uri)
        if not match:
            raise FilesError(f"the twin reads only abfss://<container>@<account>.dfs.core.windows.net/<path> URIs, not {uri!r}")
        account, container, path = match["account"], match["container"], (match["path"] or "")
        is_glob = bool(GLOB_CHARS.search(path))
        endpoint = self.blob_endpoints.get(account)
        if endpoint is None:
            if not self.abfss_root:
                raise FilesError(f"no blob endpoint for storage account {account!r} and no --abfss-root: the fake cannot read {uri}")
            return ResolvedPath(os.path.join(self.abfss_root, account, container, path), is_glob, None)
        mirror = tempfile.mkdtemp(prefix="databricks-fake-read-files-")
        try:
            names = self._matching_blobs(endpoint, container, path, is_glob)
            if not names:
                raise FilesError(f"[PATH_NOT_FOUND] Path does not exist: {uri}. SQLSTATE: 42K03")
            for name in names:
                target = os.path.join(mirror, account, container, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                url = f"{endpoint}/{container}/{urllib.parse.quote(name)}"
                with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
                    out.write(response.read())
        except BaseException:
            remove_tree(mirror)
            raise
        return ResolvedPath(os.path.join(mirror, account, container, path), is_glob, mirror)

    def _matching_blobs(self, endpoint: str, container: str, path: str, is_glob: bool) -> List[str]:
        if is_glob:
            literal = GLOB_CHARS.split(path, 1)[0]
            prefix = literal[: literal.rfind("/") + 1]
            regex = glob_regex(path)
            return [name for name in self._list(endpoint, container, prefix) if regex.match(name)]
        exact = [name for name in self._list(endpoint, container, path) if name == path]
        if exact:
            return exact
        folder = path.rstrip("/") + "/" if path else ""
        return self._list(endpoint, container, folder)

    def _list(self, endpoint: str, container: str, prefix: str) -> List[str]:
        """List Blobs, following NextMarker (https://learn.microsoft.com/rest/api/storageservices/list-blobs)."""
        names: List[str] = []
        marker = ""
        while True:
            query = {"restype": "container", "comp": "list", "prefix": prefix}
            if marker:
                query["marker"] = marker
            url = f"{endpoint}/{container}?{urllib.parse.urlencode(query)}"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    root = ET.fromstring(response.read())
            except urllib.error.HTTPError as error:
                raise FilesError(f"listing container {container!r} failed: HTTP {error.code} (is it public?)") from error
            names += [blob.findtext("Name") or "" for blob in root.iter("Blob")]
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return names


def local_paths_as_uris(message: str, abfss_root: Optional[str]) -> str:
    """Error text names abfss:// URIs again, not the local copies Spark read."""
    roots = [re.escape(tempfile.gettempdir()) + r"/databricks-fake-read-files-[^/]+"]
    if abfss_root:
        roots.append(re.escape(abfss_root.rstrip("/")))
    for root in roots:
        pattern = re.compile(r"(?:file:(?://)?)?" + root + r"/([^/\s]+)/([^/\s]+)")
        message = pattern.sub(lambda m: f"abfss://{m.group(2)}@{m.group(1)}.dfs.core.windows.net", message)
    return message


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
