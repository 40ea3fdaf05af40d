"""An editable table for the ordered lists a translation holds (TL;DR, Key Data, FAQ…)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EXTRA_ROWS = 3
MAX_ROWS = 200


class Column:
    """One column of a rows table: the key it is stored under, its label, and its input."""

    def __init__(self, key, label, multiline=False, width=None):
        self.key = key
        self.label = label
        self.multiline = multiline
        # The column's share of the table (e.g. "30%"); None: what is left.
        self.width = width


class TypedRows(list):
    """Rows as a browser submitted them: (order as typed, position, cells), blanks left out.

    A refused save renders the form from this, so each row comes back exactly as it was
    typed, order numbers included; only a valid save turns it into the stored list.
    """


class RowsWidget(forms.Widget):
    """Rows of inputs with an order number each; blank rows are dropped, rows sorted by order."""

    template_name = "cms/widgets/rows.html"

    def __init__(self, columns, attrs=None):
        super().__init__(attrs)
        self.columns = columns

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, TypedRows):
            typed = [(order, cells) for order, _position, cells in value]
        else:
            typed = [(position + 1, row) for position, row in enumerate(value or [])]
        typed += [("", None)] * EXTRA_ROWS
        context["widget"].update(
            {
                "columns": self.columns,
                "count": len(typed),
                "rows": [
                    {
                        "position": position,
                        "order": order,
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
                    for position, (order, row) in enumerate(typed)
                ],
            }
        )
        return context

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
        ordered = []
        for order, position, cells in value:
            if order:
                try:
                    rank = float(order)
                except ValueError:
                    raise ValidationError(
                        _("“%(order)s” is not a number; use numbers to order the rows."),
                        code="invalid_order",
                        params={"order": order},
                    ) from None
            else:
                rank = float("inf")
            ordered.append((rank, position, cells))
        ordered.sort(key=lambda entry: entry[:2])
        if self.single:
            key = self.columns[0].key
            return [cells[key] for _rank, _position, cells in ordered]
        return [cells for _rank, _position, cells in ordered]

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True
