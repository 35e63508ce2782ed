"""Tables: one list of columns serves the HTML list, the CSV export and the Excel export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import localize


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    accessor: str | Callable | None = None  # dotted path (default: name) or callable(obj)
    link: bool = False  # link the cell to obj.get_absolute_url()
    order_by: str | None = None  # field to sort on when the header is clicked

    def raw(self, obj):
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(obj)
        value = obj
        for part in accessor.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display is not None else getattr(value, part)
        return value

    def text(self, obj) -> str:
        value = self.raw(obj)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "✓" if value else ""
        return str(localize(value))


class Table:
    columns: tuple[Column, ...] = ()

    def __init__(self, rows, columns: tuple[Column, ...] | None = None):
        self.rows = rows
        if columns is not None:
            self.columns = columns

    def headers(self):
        return self.columns

    def body(self):
        for obj in self.rows:
            cells = []
            for column in self.columns:
                url = obj.get_absolute_url() if column.link and hasattr(obj, "get_absolute_url") else None
                cells.append({"text": column.text(obj), "url": url})
            yield {"object": obj, "cells": cells}
