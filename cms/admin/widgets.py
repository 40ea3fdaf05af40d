"""An editable list of rows for the ordered lists a translation holds (TL;DR, Key Data, FAQ…).

Editors add, remove and reorder rows in the page (cms/static/cms/rows.js): by dragging a
row's handle, with its up and down buttons, or with Alt+↑/↓ from inside the row. The order
travels in a hidden field per row that the script keeps equal to the row's place on the
page, so nobody types order numbers; without the script the rows keep their places.
"""

import math

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_ROWS = 200
# What stands for a row's number in the blank row the script copies for "Add row".
PREFIX = "__prefix__"


class Column:
    """One column of a rows table: the key it is stored under, its label, and its input."""

    def __init__(self, key, label, multiline=False, width=None):
        self.key = key
        self.label = label
        self.multiline = multiline
        # The column's share of the table (e.g. "30%"); None: what is left.
        self.width = width


class TypedRows(list):
    """Rows as a browser submitted them: (order, position, cells), blank rows left out.

    A refused save renders the form from this, so each row comes back exactly as it was
    typed, in the order the editor arranged; only a valid save turns it into the stored list.
    """


def _number(order):
    """A submitted order as a finite number, or None."""
    try:
        number = float(order)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _rank(order):
    """Where a submitted order puts its row; rows without a number go last, as they came."""
    number = _number(order)
    return math.inf if number is None else number


def arranged(typed):
    """Submitted rows in the order the editor arranged them: (rank, position, cells)."""
    return sorted(((_rank(order), position, cells) for order, position, cells in typed), key=_key)


def _key(entry):
    return entry[:2]


class RowsWidget(forms.Widget):
    """A row of inputs per entry, with a handle, move buttons and a remove button each."""

    template_name = "cms/widgets/rows.html"

    class Media:
        css = {"all": ("cms/rows.css",)}
        js = ("cms/rows.js",)

    def __init__(self, columns, attrs=None):
        super().__init__(attrs)
        self.columns = columns

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, TypedRows):
            rows = [cells for _rank, _position, cells in arranged(value)]
        else:
            rows = list(value or [])
        # An empty list offers one row to type into; more come from "Add row".
        rows = rows or [None]
        context["widget"].update(
            {
                "columns": self.columns,
                "count": len(rows),
                "rows": [self._row(name, position, row) for position, row in enumerate(rows)],
                "blank": self._row(name, PREFIX, None),
            }
        )
        return context

    def _row(self, name, position, row):
        return {
            "position": position,
            "order": position + 1 if isinstance(position, int) else "",
            "cells": [
                {
                    "column": column,
                    "name": f"{name}-{position}-{column.key}",
                    "value": self._cell(row, column),
                    "lines": self._lines(self._cell(row, column)),
                }
                for column in self.columns
            ],
        }

    @staticmethod
    def _lines(value):
        """Lines a box needs to show `value` whole, where the browser cannot size it."""
        text = str(value or "")
        return max(2, min(20, sum(1 + len(line) // 60 for line in text.splitlines() or [""])))

    def _cell(self, row, column):
        if row is None:
            return ""
        if isinstance(row, dict):
            return row.get(column.key, "")
        return row

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}-count", 0)), MAX_ROWS)
        except (TypeError, ValueError):
            count = 0
        entries = []
        for position in range(count):
            cells = {
                column.key: (data.get(f"{name}-{position}-{column.key}") or "").strip()
                for column in self.columns
            }
            if not any(cells.values()):
                continue
            order = (data.get(f"{name}-{position}-order") or "").strip()
            entries.append((order, position, cells))
        return TypedRows(entries)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-count" not in data


class RowsField(forms.Field):
    """A list of rows (dicts of the column keys), or of texts when there is a single column."""

    widget = RowsWidget

    def __init__(self, columns, *, encoder=None, decoder=None, **kwargs):
        self.columns = columns
        kwargs.setdefault("required", False)
        # The list's default is callable, which would add a hidden "initial" copy of the
        # rows that this widget cannot read back; changes are found from the instance.
        kwargs["show_hidden_initial"] = False
        super().__init__(widget=RowsWidget(columns), **kwargs)

    @property
    def single(self):
        return len(self.columns) == 1

    def to_python(self, value):
        if value in (None, ""):
            return []
        if not isinstance(value, TypedRows):
            return value
        for order, _position, _cells in value:
            # The page writes the numbers itself; anything else was not sent by it.
            if order and _number(order) is None:
                raise ValidationError(
                    _("“%(order)s” is not a number; use numbers to order the rows."),
                    code="invalid_order",
                    params={"order": order},
                )
        ordered = [cells for _rank_, _position, cells in arranged(value)]
        if self.single:
            key = self.columns[0].key
            return [cells[key] for cells in ordered]
        return ordered

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True
