"use strict";
// The live-coverage composer (cms/admin/live.py): starts and ends coverage, publishes one
// entry at a time, corrects and withdraws entries, each as one JSON request; the story
// form is never submitted. A refused step shows its reason and keeps what was typed.
(function () {
  function csrf(form) {
    const input = form.querySelector('[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const script = document.getElementById("cms-live-config");
    const form = document.getElementById("cms-live-form");
    if (!script || !form) return;
    const config = JSON.parse(script.textContent);
    const messages = config.messages;
    const message = document.getElementById("cms-live-message");
    const text = document.getElementById("cms-live-text");

    function say(words, failed) {
      message.textContent = words;
      message.classList.toggle("errornote", Boolean(failed));
    }

    function send(body) {
      return fetch(config.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
        body: JSON.stringify(body),
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok) {
              say(answer.error || messages.failed, true);
              return false;
            }
            show(answer.coverage);
            return true;
          });
        })
        .catch(function () {
          say(messages.failed, true);
          return false;
        });
    }

    function correction(item, entry) {
      const box = element("div", "cms-live-correction");
      const area = element("textarea");
      area.rows = 3;
      area.cols = 70;
      area.value = entry.text;
      area.setAttribute("aria-label", messages.correct);
      const note = element("input");
      note.type = "text";
      note.size = 60;
      note.placeholder = messages.note;
      note.setAttribute("aria-label", messages.note);
      const save = element("button", "button", messages.save_correction);
      save.type = "button";
      const cancel = element("button", "button", messages.cancel);
      cancel.type = "button";
      save.addEventListener("click", function () {
        send({ action: "correct", entry: entry.id, text: area.value, note: note.value }).then(
          function (done) {
            if (done) say("", false);
          },
        );
      });
      cancel.addEventListener("click", function () {
        box.remove();
      });
      box.append(area, note, save, cancel);
      item.append(box);
      area.focus();
    }

    function entryItem(entry) {
      const item = element("li", "cms-live-entry");
      item.dataset.entry = String(entry.id);
      const head = element("p", "cms-live-entry-head");
      head.append(element("strong", "", entry.published), " · " + entry.language_name);
      if (entry.key_event) head.append(" · ", element("span", "cms-live-flag", messages.key_event));
      if (entry.pinned) head.append(" · ", element("span", "cms-live-flag", messages.pinned));
      if (entry.disclosure) head.append(" · " + entry.disclosure);
      const body = element("div", "cms-live-entry-text");
      // Sanitized on the server (cms/core/richtext.py), as readers get it.
      body.innerHTML = entry.html;
      item.append(head, body);
      if (entry.corrected) {
        item.append(
          element(
            "p",
            "cms-live-corrected",
            messages.corrected.replace("%(when)s", entry.corrected).replace("%(note)s",
              entry.correction_note),
          ),
        );
      }
      const tools = element("p", "cms-live-tools");
      const fix = element("button", "button", messages.correct);
      fix.type = "button";
      fix.addEventListener("click", function () {
        if (!item.querySelector(".cms-live-correction")) correction(item, entry);
      });
      const pull = element("button", "button", messages.withdraw);
      pull.type = "button";
      pull.addEventListener("click", function () {
        if (window.confirm(messages.confirm_withdraw)) {
          send({ action: "withdraw", entry: entry.id });
        }
      });
      tools.append(fix, " ", pull);
      item.append(tools);
      return item;
    }

    function show(coverage) {
      let status = coverage.status_label;
      if (coverage.started) status += " · " + coverage.started;
      if (coverage.ended) status += " – " + coverage.ended;
      if (!coverage.readers_see) status += " · " + messages.unseen;
      document.getElementById("cms-live-status").textContent = status;
      document.getElementById("cms-live-start").hidden = coverage.status === "live";
      document.getElementById("cms-live-end").hidden = coverage.status !== "live";
      const list = document.getElementById("cms-live-entries");
      list.replaceChildren(...coverage.entries.map(entryItem));
      if (!coverage.entries.length) list.append(element("li", "help", messages.none));
    }

    document.getElementById("cms-live-start").addEventListener("click", function () {
      send({ action: "start" }).then(function (done) {
        if (done) say("", false);
      });
    });
    document.getElementById("cms-live-end").addEventListener("click", function () {
      send({ action: "end" }).then(function (done) {
        if (done) say("", false);
      });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const button = document.getElementById("cms-live-publish");
      button.disabled = true;
      send({
        action: "publish",
        text: text.value,
        language: form.elements.language.value,
        image: form.elements.image.value,
        author: form.elements.author.value,
        ai_involvement: form.elements.ai_involvement.value,
        key_event: form.elements.key_event.checked,
        pinned: form.elements.pinned.checked,
      }).then(function (done) {
        button.disabled = false;
        if (done) {
          // Only a published entry leaves the composer; a refused one stays as typed.
          text.value = "";
          form.elements.key_event.checked = false;
          form.elements.pinned.checked = false;
          say(messages.published, false);
        }
      });
    });

    // An entry typed and not published is asked about before the page is left.
    window.addEventListener("beforeunload", function (event) {
      if (text.value.trim()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    show(config.coverage);
  });
})();
