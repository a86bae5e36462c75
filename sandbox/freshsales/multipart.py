"""A small multipart/form-data reader (RFC 7578) for file uploads.

Returns the parts by field name: text fields as str, file fields as
`Upload(filename, content_type, data)`. Enough for what clients send
(`requests` files=, curl -F); not a general MIME parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)\*?="((?:[^"\\]|\\.)*)"|(\w+)=([^;\s]+)')


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def parse(content_type: str, body: bytes) -> dict[str, str | Upload]:
    """The form's fields; ValueError when the body is not multipart/form-data."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ValueError("the upload must be multipart/form-data")
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ValueError("multipart/form-data without a boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str | Upload] = {}
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise ValueError("the multipart body holds no parts")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a multipart part without headers")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        params = {}
        for m in _DISPOSITION_PARAM.finditer(headers.get("content-disposition", "")):
            key = (m.group(1) or m.group(3)).lower()
            params[key] = m.group(2) if m.group(1) else m.group(4)
        name = params.get("name")
        if not name:
            continue
        if "filename" in params:
            fields[name] = Upload(params["filename"], headers.get("content-type", "application/octet-stream"), data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields
