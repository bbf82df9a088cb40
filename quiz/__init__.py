"""What students do: timed quizzes, attempts, scoring and history (see DESIGN.md).

It imports `content`; `content` never imports it.
"""
