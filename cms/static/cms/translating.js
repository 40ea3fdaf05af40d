"use strict";
// "Copy from English" beside each field of a translation (cms/admin/translating.py): puts
// the original's value in the field, rows tables included; "Undo copy" puts back what the
// field held before. Fields are changed as typing would change them (input events), so
// that the unsaved-changes warning and the autosave (story-form.js) notice.
(function () {
  const form = () => document.getElementById("story_form");

  // The rows of a rows table named `name` (cms/admin/widgets.py): `name-<i>-<key>` inputs,
  // `name-count` the number of rows (story-form.js grows it).
  function rowsOf(name) {
    const count = form().querySelector(`[name="${name}-count"]`);
    const table = count && count.closest(".form-row").querySelector("table");
    return { count, body: table && table.tBodies[0] };
  }

  function setValue(input, value) {
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // What a field holds now, as name → value of its inputs (to undo a copy).
  function fieldInputs(name) {
    const own = form().querySelector(`[name="${name}"]`);
    if (own) return [own];
    return [...form().querySelectorAll(`[name^="${name}-"]`)].filter(function (input) {
      return new RegExp(`^${name}-\\d+-`).test(input.name);
    });
  }

  function snapshot(name) {
    const { count } = rowsOf(name);
    const values = {};
    fieldInputs(name).forEach(function (input) {
      values[input.name] = input.value;
    });
    return { values, count: count ? count.value : null };
  }

  function restore(name, saved) {
    const wanted = Object.keys(saved.values).length;
    fieldInputs(name).forEach(function (input) {
      if (input.name in saved.values) setValue(input, saved.values[input.name]);
      else if (wanted) setValue(input, "");
    });
  }

  function copy(name, value) {
    const own = form().querySelector(`[name="${name}"]`);
    if (own) {
      setValue(own, value == null ? "" : String(value));
      return;
    }
    const rows = Array.isArray(value) ? value : [];
    window.cmsStoryForm.ensureRows(form(), name, rows.length);
    const { body } = rowsOf(name);
    [...body.rows].forEach(function (tr, position) {
      const row = rows[position];
      tr.querySelectorAll("[name]").forEach(function (input) {
        const key = input.name.slice(`${name}-${position}-`.length);
        let text = "";
        if (row !== undefined) {
          if (key === "order") text = String(position + 1);
          else if (typeof row === "string") text = row;
          else if (row && row[key] != null) text = String(row[key]);
        }
        setValue(input, text);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const data = document.getElementById("cms-source-values");
    if (!data || !form()) return;
    const values = JSON.parse(data.textContent);
    const before = {};
    document.querySelectorAll(".cms-copy").forEach(function (button) {
      const name = button.dataset.field;
      const undo = document.querySelector(`.cms-copy-undo[data-field="${name}"]`);
      button.addEventListener("click", function () {
        before[name] = snapshot(name);
        copy(name, values[name]);
        if (undo) undo.hidden = false;
        const first = fieldInputs(name).find((input) => input.type !== "number");
        if (first) first.focus();
      });
      if (undo) {
        undo.addEventListener("click", function () {
          if (before[name]) restore(name, before[name]);
          undo.hidden = true;
          button.focus();
        });
      }
    });
  });
})();
