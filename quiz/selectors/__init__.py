"""Everything the quiz pages read, by page: papers.py (quizzes, the paper, what Start would do),
results.py (a closed paper's review and standing), progress.py (history and mastery), items.py
(staff item analysis). Selectors never write; what they may show is decided in quiz/policy.py."""
