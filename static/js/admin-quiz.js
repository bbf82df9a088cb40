/* The quiz form shows what its selection uses: the drawing rule for a rule quiz, the fixed list for
   a fixed one. The server folds the other part away under its heading; this hides it altogether and
   follows the selection as it changes. Nothing is removed from the form: switching and saving keeps
   whatever the other part holds. */
"use strict";
// Loaded in the head, as the admin loads a form's media: wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  const selection = document.getElementById("id_selection");
  const rule = document.querySelector("fieldset.rule-fields");
  const list = document.getElementById("quiz_questions-group");
  if (!selection || !rule) {
    return;
  }

  function show(part, shown) {
    if (!part) {
      return;
    }
    part.hidden = !shown;
    const details = part.querySelector("details");
    if (shown && details) {
      details.open = true;
    }
  }

  function follow() {
    show(rule, selection.value === "rule");
    show(list, selection.value === "fixed");
  }

  selection.addEventListener("change", follow);
  follow();
});
