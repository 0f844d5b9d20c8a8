"""CSV output for lists: the same filters as JSON, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from rest_framework.renderers import BaseRenderer


def flat(value) -> str:
    """One CSV cell: brief objects by slug (or display), partial dates by value, lists joined by '; '."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("value", "slug"):
            if key in value:
                return flat(value[key])
        for nested in value.values():  # a link row: name it by the record it links to
            if isinstance(nested, dict) and "slug" in nested:
                return flat(nested["slug"])
        return flat(value.get("display", value.get("text", value.get("id"))))  # (text: a localized name)
    if isinstance(value, list | tuple):
        return "; ".join(flat(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """Header and rows as CSV text, one line at a time (constant memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = None
    for row in rows:
        if header is None:
            header = list(row)
            writer.writerow(header)
        writer.writerow([flat(row.get(name)) for name in header])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_cell_lines(rows: Iterable[tuple], rows_per_chunk: int = 200) -> Iterator[str]:
    """Rows of ready-made text cells (the header first) as CSV text, a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


class CSVRenderer(BaseRenderer):
    """``?format=csv`` or ``Accept: text/csv``; lists are streamed by the view, this renders single records."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data.get("results", [data]) if isinstance(data, dict) else data
        return "".join(csv_lines(rows)).encode(self.charset)
