"""Posting a multipart body whose reading can be counted, to prove how much of an upload was read."""

from __future__ import annotations

import io

BOUNDARY = "----cpahubboundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
TWO_GB = 2 * 1024**3


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.consumed += len(line)
        return line


def multipart(file_bytes: bytes, filename: str = "upload.csv", **fields: str) -> bytes:
    """A multipart body: `fields` first (as a browser sends them), then the file."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    return "".join(parts).encode() + file_bytes + f"\r\n--{BOUNDARY}--\r\n".encode()


def post_counted(client, path: str, body: bytes, *, declared: int | str | None = None):
    """POST `body` through the test client; returns the response and the stream it was read from.

    `declared` is the Content-Length the request claims (the body's own length by default, "" for
    none); the server never reads past it, as behind a real WSGI server.
    """
    stream = CountingStream(body)
    length = str(len(body) if declared is None else declared)
    extra = {"wsgi.input": stream, "CONTENT_LENGTH": length}
    return client.generic("POST", path, body, content_type=MULTIPART, **extra), stream
