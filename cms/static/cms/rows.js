"use strict";
// The rows widget: add, remove and reorder a list's rows in the page. Each row's hidden
// order field is kept equal to its place, so the server stores the rows as they are shown.
(function () {
  function rows(widget) {
    return Array.from(widget.querySelectorAll(":scope > table > tbody > tr.cms-row"));
  }

  function renumber(widget) {
    rows(widget).forEach(function (row, index) {
      row.querySelector(".cms-rows-order").value = String(index + 1);
    });
  }

  function announce(widget, message) {
    widget.querySelector(".cms-rows-status").textContent = message;
  }

  function moved(widget, row) {
    const all = rows(widget);
    renumber(widget);
    row.classList.add("cms-row-moved");
    window.setTimeout(function () {
      row.classList.remove("cms-row-moved");
    }, 600);
    announce(
      widget,
      widget.dataset.moved
        .replace("%(place)s", all.indexOf(row) + 1)
        .replace("%(count)s", all.length)
    );
  }

  // Move `row` one place up (-1) or down (+1); focus stays where the editor was.
  function move(widget, row, step) {
    const focused = document.activeElement;
    const tbody = row.parentNode;
    if (step < 0 && row.previousElementSibling) {
      tbody.insertBefore(row, row.previousElementSibling);
    } else if (step > 0 && row.nextElementSibling) {
      tbody.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    if (focused && row.contains(focused)) {
      focused.focus();
    }
    moved(widget, row);
  }

  function add(widget) {
    const count = widget.querySelector(".cms-rows-count");
    const position = String(parseInt(count.value, 10) || 0);
    const blank = widget.querySelector("template.cms-rows-blank").content;
    const row = blank.querySelector("tr").cloneNode(true);
    row.querySelectorAll("[name]").forEach(function (input) {
      input.name = input.name.replace("__prefix__", position);
    });
    widget.querySelector(":scope > table > tbody").appendChild(row);
    count.value = String(Number(position) + 1);
    renumber(widget);
    row.querySelector("input[type=text], textarea").focus();
    announce(widget, widget.dataset.added);
  }

  function remove(widget, row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber(widget);
    const focus = next ? next.querySelector(".cms-rows-remove") : widget.querySelector(".cms-rows-add");
    focus.focus();
    announce(widget, widget.dataset.removed);
  }

  function setUp(widget) {
    const tbody = widget.querySelector(":scope > table > tbody");
    let dragged = null;

    widget.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button || !widget.contains(button)) {
        return;
      }
      const row = button.closest("tr.cms-row");
      if (button.classList.contains("cms-rows-add")) {
        add(widget);
      } else if (button.classList.contains("cms-rows-up")) {
        move(widget, row, -1);
      } else if (button.classList.contains("cms-rows-down")) {
        move(widget, row, 1);
      } else if (button.classList.contains("cms-rows-remove")) {
        remove(widget, row);
      }
    });

    tbody.addEventListener("keydown", function (event) {
      if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) {
        return;
      }
      const row = event.target.closest("tr.cms-row");
      if (row) {
        event.preventDefault();
        move(widget, row, event.key === "ArrowUp" ? -1 : 1);
      }
    });

    // Dragging starts from the handle only, so text in the cells can still be selected.
    tbody.addEventListener("mousedown", function (event) {
      const row = event.target.closest("tr.cms-row");
      if (row) {
        row.draggable = Boolean(event.target.closest(".cms-rows-handle"));
      }
    });
    tbody.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("tr.cms-row");
      if (!dragged) {
        return;
      }
      dragged.classList.add("cms-row-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "");
    });
    tbody.addEventListener("dragover", function (event) {
      const over = event.target.closest("tr.cms-row");
      if (!dragged || !over || over === dragged || over.parentNode !== tbody) {
        return;
      }
      event.preventDefault();
      const box = over.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      tbody.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    tbody.addEventListener("drop", function (event) {
      if (dragged) {
        event.preventDefault();
      }
    });
    tbody.addEventListener("dragend", function () {
      if (!dragged) {
        return;
      }
      const row = dragged;
      dragged = null;
      row.classList.remove("cms-row-dragging");
      row.draggable = false;
      moved(widget, row);
    });
    renumber(widget);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".cms-rows-widget").forEach(setUp);
  });
})();
