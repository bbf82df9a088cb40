from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = "Quizzes"

    def ready(self):
        from content.bank import bank_section_register
        from quiz.bank import QUIZ_SECTION

        # `load_bank` reads content/bank/quizzes.yaml through this section (content never imports quiz).
        bank_section_register(QUIZ_SECTION)
