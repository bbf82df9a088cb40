"""Every state change of the quiz app, one function each, by concern:

- attempts.py: start a paper or a practice round, submit it;
- answers.py: save answers (the autosave's SQL beside its ORM twin, and the form);
- grading.py: close a paper (grade it, move review cards), and close one whose time ran out;
- regrade.py: re-mark closed papers against a corrected key;
- demo.py: the demo student's past papers, sat through the functions above (local use only);
- errors.py: the refusals they raise.
"""
