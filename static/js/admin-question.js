/* The question form's statement rows follow its kind: 2 for assertion-reason, 4 for the other
   statement kinds, none for a single answer (the kind's select carries the figures, from the server).
   Only blank rows not yet saved are added or taken away, through Django's own "Add another" and
   remove links, so its formset counts stay right; a written or saved row is the author's to delete.
   Without this script the server's rows stand: enough for any kind, and blank ones are ignored. */
"use strict";
// Loaded in the head, as the admin loads a form's media: wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  const kind = document.getElementById("id_kind");
  const group = document.getElementById("statements-group");
  if (!kind || !group || !kind.dataset.statementRows || !window.django) {
    return;
  }
  const wanted = JSON.parse(kind.dataset.statementRows);

  function rows() {
    return Array.from(group.querySelectorAll("tbody > tr.form-row:not(.empty-form)")).filter(
      (row) => !row.querySelector("input[name$='-DELETE']:checked"),
    );
  }

  function blank(row) {
    if (row.classList.contains("has_original")) {
      return false;
    }
    return Array.from(row.querySelectorAll("input[type=text], textarea")).every((field) => !field.value.trim());
  }

  function follow() {
    const target = wanted[kind.value];
    if (target === undefined) {
      return;
    }
    let current = rows();
    for (let i = current.length - 1; i >= 0 && current.length > target; i -= 1) {
      const remove = current[i].querySelector("a.inline-deletelink");
      if (blank(current[i]) && remove) {
        remove.click();
        current = rows();
      }
    }
    const add = group.querySelector(".add-row a");
    // Bounded: "Add another" hides itself at the formset's maximum.
    for (let guard = 0; add && current.length < target && guard < 10; guard += 1) {
      add.click();
      current = rows();
    }
  }

  // After inlines.js has drawn its links: jQuery runs ready callbacks in the order they were added.
  window.django.jQuery(function () {
    kind.addEventListener("change", follow);
    follow();
  });
});
