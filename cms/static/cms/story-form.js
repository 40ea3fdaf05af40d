"use strict";
// Work in progress on the story form survives (cms/admin/autosave.py):
// - what is typed is posted as a draft every few seconds and when the tab is hidden; as the
//   tab closes only what changed since the last draft is sent (browsers cap that post at
//   64 KiB, cms/admin/draft_changes.py);
// - an Add page's drafts are its own (a key per page load, carried by the form), so two
//   "Add story" tabs keep two drafts;
// - a draft kept from before is offered back ("Restore the version from 10:42 / Discard"),
//   on a fresh Add page each unsaved new story;
// - leaving the page or switching language tabs with unsaved changes asks first;
// - someone else with the story open, or a save since, is told in a notice.
(function () {
  const AUTOSAVE_EVERY = 3000;
  // What a closing tab may still send, in bytes: browsers allow 64 KiB for all such posts.
  const CLOSING_BYTES = 60000;
  const state = {
    initial: "",
    sent: "",
    submitting: false,
    leaving: false,
    busy: false,
    // The last draft the server took, and the one on its way: {data, revision}.
    acked: null,
    pending: null,
  };
  let posts = 0;

  // Each post's own mark, so that a post of changes applies on top of that one draft only.
  function revision() {
    posts += 1;
    const random = Math.random().toString(36).slice(2, 10);
    return `${Date.now().toString(36)}-${posts}-${random}`;
  }

  // The one span where `before` and `after` differ, in UTF-16 code units as the server
  // counts them, never cutting a character (a surrogate pair) in two.
  function splice(before, after) {
    let start = 0;
    const shorter = Math.min(before.length, after.length);
    while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
    const high = (code) => code >= 0xd800 && code <= 0xdbff;
    const low = (code) => code >= 0xdc00 && code <= 0xdfff;
    if (start > 0 && high(before.charCodeAt(start - 1))) start -= 1;
    let end = 0;
    while (
      end < shorter - start &&
      before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)
    ) {
      end += 1;
    }
    if (end > 0 && low(after.charCodeAt(after.length - end))) end -= 1;
    return { at: start, cut: before.length - start - end, put: after.slice(start, after.length - end) };
  }

  // What changed from the draft `before` to `after`: long texts as a span, the rest whole.
  function changes(before, after) {
    const changed = {};
    Object.keys(after).forEach(function (name) {
      const old = before[name];
      const now = after[name];
      if (JSON.stringify(old) === JSON.stringify(now)) return;
      changed[name] = typeof old === "string" && typeof now === "string" && now.length > 64
        ? splice(old, now)
        : now;
    });
    const removed = Object.keys(before).filter((name) => !(name in after));
    return { changes: changed, removed: removed };
  }

  function csrf(form) {
    const input = form.querySelector('[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  // The form's typed values by field name; inlines (tags, bylines, images) are left out,
  // as are the version mark and the buttons.
  function collect(form) {
    const data = {};
    for (const input of form.elements) {
      const name = input.name;
      if (!name || input.disabled || ["csrfmiddlewaretoken", "base_version"].includes(name)) {
        continue;
      }
      if (input.closest(".inline-group") || /^(_|initial-|cms_draft_key$)/.test(name)) continue;
      const type = input.type;
      if (["submit", "button", "file", "image", "reset"].includes(type)) continue;
      if ((type === "checkbox" || type === "radio") && !input.checked) continue;
      if (type === "select-multiple") {
        data[name] = [...input.selectedOptions].map((option) => option.value);
        continue;
      }
      if (name in data) {
        data[name] = [].concat(data[name], input.value);
      } else {
        data[name] = input.value;
      }
    }
    return data;
  }

  // Rows tables (cms/admin/widgets.py) grow to hold `wanted` rows: the last row is cloned.
  function ensureRows(form, name, wanted) {
    const count = form.querySelector(`[name="${name}-count"]`);
    const row = count && count.closest(".form-row");
    const table = row && row.querySelector("table");
    if (!table) return;
    const body = table.tBodies[0];
    const pattern = new RegExp(`^${name}-\\d+-`);
    while (body.rows.length < wanted && body.rows.length) {
      const position = body.rows.length;
      const copy = body.rows[position - 1].cloneNode(true);
      copy.querySelectorAll("[name]").forEach(function (input) {
        input.name = input.name.replace(pattern, `${name}-${position}-`);
        if (input.id) input.id = input.id.replace(/-\d+-/, `-${position}-`);
        input.value = "";
      });
      body.appendChild(copy);
    }
    count.value = String(Math.max(Number(count.value) || 0, body.rows.length));
  }

  function fire(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Put a draft's values back in the form, rows tables grown to hold them.
  function apply(form, data) {
    const rows = {};
    Object.keys(data).forEach(function (name) {
      const match = /^(\w+)-(\d+)-\w+$/.exec(name);
      if (match && form.querySelector(`[name="${match[1]}-count"]`)) {
        rows[match[1]] = Math.max(rows[match[1]] || 0, Number(match[2]) + 1);
      }
    });
    Object.entries(rows).forEach(([name, wanted]) => ensureRows(form, name, wanted));
    for (const input of form.elements) {
      const name = input.name;
      if (!name || !(name in data) || input.closest(".inline-group")) continue;
      const value = data[name];
      const values = [].concat(value);
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = values.includes(input.value);
      } else if (input.type === "select-multiple") {
        [...input.options].forEach((option) => (option.selected = values.includes(option.value)));
      } else if (!["submit", "button", "file", "image"].includes(input.type)) {
        input.value = Array.isArray(value) ? value[0] : value;
      } else {
        continue;
      }
      fire(input);
    }
    // Boxes present now but not in the draft were unticked then.
    for (const input of form.elements) {
      if (input.type === "checkbox" && input.name && !(input.name in data) && input.checked) {
        if (!input.closest(".inline-group")) {
          input.checked = false;
          fire(input);
        }
      }
    }
  }

  function status(text) {
    const line = document.getElementById("cms-autosave-status");
    if (line) line.textContent = text;
  }

  function post(url, form, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
      body: JSON.stringify(body),
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const script = document.getElementById("cms-story-form-config");
    const form = document.getElementById("story_form");
    if (!script || !form) return;
    const config = JSON.parse(script.textContent);
    const mark = form.querySelector('[name="base_version"]');
    const version = () => (mark ? mark.value : null);
    // An Add page's draft key (none on a story's own form).
    const keyInput = config.key_field && form.querySelector(`[name="${config.key_field}"]`);
    const url = (key) => config.autosave + (key === undefined ? "" : `&key=${encodeURIComponent(key)}`);
    const draftUrl = () => url(keyInput ? keyInput.value : undefined);
    const discard = (key) =>
      fetch(url(keyInput ? key : undefined), {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(form) },
      });

    state.initial = JSON.stringify(collect(form));
    state.sent = state.initial;
    const dirty = () => !state.submitting && JSON.stringify(collect(form)) !== state.initial;

    // The drafts from before, each offered back when it differs from what the form shows.
    const offer = document.getElementById("cms-autosave-offer");
    const drafts = config.drafts || [];
    function settle() {
      offer.hidden = !offer.querySelector("li:not([hidden])");
    }
    if (offer) {
      offer.querySelectorAll("li[data-draft]").forEach(function (item) {
        const draft = drafts[Number(item.dataset.draft)];
        const differs = JSON.stringify(Object.assign(collect(form), draft.data)) !== state.initial;
        if (!differs) {
          discard(draft.key);
          return;
        }
        item.hidden = false;
        item.querySelector(".cms-autosave-restore").addEventListener("click", function () {
          apply(form, draft.data);
          if (keyInput) {
            // The draft goes on from here: kept under its own key, cleared when this saves.
            keyInput.value = draft.key;
            state.acked = state.pending = null;
          }
          if (mark && draft.base_version !== null) {
            // Saved against the version the draft was typed on: a later save by someone
            // else is then refused field by field, as for any form opened before it.
            mark.value = String(draft.base_version);
          }
          offer.hidden = true;
        });
        item.querySelector(".cms-autosave-discard").addEventListener("click", function () {
          discard(draft.key).then(function () {
            item.hidden = true;
            settle();
          });
        });
      });
      settle();
    }

    function autosave(keepalive) {
      if (state.submitting || (state.busy && !keepalive)) return;
      const data = collect(form);
      const text = JSON.stringify(data);
      if (text === state.sent) return;
      const sent = { data: data, revision: revision() };
      let body = { base_version: version(), revision: sent.revision, data: data };
      const base = state.pending || state.acked;
      const size = (value) => new Blob([JSON.stringify(value)]).size;
      if (keepalive && base && size(body) > CLOSING_BYTES) {
        // The tab may be closing, and the whole draft is over the browsers' cap: only what
        // changed since the last draft goes.
        body = { base_version: body.base_version, revision: body.revision, after: base.revision };
        Object.assign(body, changes(base.data, data));
      }
      state.busy = true;
      state.sent = text;
      state.pending = sent;
      state.inflight = post(draftUrl(), form, body, keepalive)
        .then(function (response) {
          return response.json().then(function (answer) {
            if (response.ok) {
              state.acked = sent;
              status(answer.status);
            } else {
              state.sent = "";
              status(config.messages.failed.replace("%(reason)s", answer.error || response.status));
            }
          });
        })
        .catch(function () {
          state.sent = "";
          status(config.messages.offline);
        })
        .finally(function () {
          if (state.pending === sent) state.pending = null;
          state.busy = false;
          state.inflight = null;
        });
    }
    setInterval(autosave, AUTOSAVE_EVERY);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") autosave(true);
    });
    window.addEventListener("pagehide", function () {
      autosave(true);
      if (config.presence) post(config.presence, form, { leaving: true }, true);
    });

    form.addEventListener("submit", function (event) {
      if (state.inflight) {
        // A draft is on its way: the save waits for it, so the two never meet on the
        // server, and then goes with the button that was pressed.
        event.preventDefault();
        const submitter = event.submitter;
        state.inflight.finally(function () {
          form.requestSubmit(submitter || undefined);
        });
        return;
      }
      state.submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (state.leaving || !dirty()) return;
      event.preventDefault();
      event.returnValue = "";
    });
    document.querySelectorAll(".parler-language-tabs a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!dirty()) return;
        if (window.confirm(config.messages.leave)) {
          autosave(true);
          state.leaving = true;
        } else {
          event.preventDefault();
        }
      });
    });

    // Who else has the story open, and whether it was saved since this page opened.
    const notices = document.getElementById("cms-presence");
    function beat() {
      post(config.presence, form, { base_version: version() }, false)
        .then((response) => (response.ok ? response.json() : null))
        .then(function (answer) {
          if (!answer || !notices) return;
          const lines = answer.others.map((other) => other.message);
          if (answer.saved_since) lines.push(answer.saved_since.message);
          notices.replaceChildren(
            ...lines.map(function (line) {
              const item = document.createElement("p");
              item.className = "cms-notice";
              item.textContent = line;
              return item;
            }),
          );
        })
        .catch(function () {});
    }
    if (config.presence) {
      beat();
      setInterval(beat, config.beat * 1000);
    }
  });

  window.cmsStoryForm = { ensureRows: ensureRows };
})();
