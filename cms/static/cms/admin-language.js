"use strict";
// Switch the admin's language as soon as another one is picked.
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("admin-language");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
});
