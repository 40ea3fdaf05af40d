// The image form's focal point: a click on the picture fills in the two 0–1 fields.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector(".cms-focal");
  const across = document.getElementById("id_focal_x");
  const down = document.getElementById("id_focal_y");
  if (!box || !across || !down) return;
  const picture = box.querySelector("img");
  const mark = box.querySelector(".cms-focal-mark");
  const place = () => {
    mark.style.left = `${Number(across.value) * picture.clientWidth}px`;
    mark.style.top = `${Number(down.value) * picture.clientHeight}px`;
  };
  picture.addEventListener("click", (event) => {
    const rect = picture.getBoundingClientRect();
    across.value = ((event.clientX - rect.left) / rect.width).toFixed(3);
    down.value = ((event.clientY - rect.top) / rect.height).toFixed(3);
    place();
  });
  across.addEventListener("input", place);
  down.addEventListener("input", place);
  if (picture.complete) place();
  else picture.addEventListener("load", place);
});
