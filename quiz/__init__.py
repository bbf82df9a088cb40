"""What students do: timed quizzes, attempts, scoring and history; how the parts fit is in README.md ("What is here").

It imports `content`; `content` never imports it.
"""
