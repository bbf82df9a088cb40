from django.db import migrations


def tallies_fill(apps, schema_editor):
    """Count every closed paper into its student's tallies, as grading would have.

    It calls the service (quiz/services/tallies.py), not a frozen copy: the counting rules, above
    all `QuestionVersion.misjudged_by`, live in code that historical models do not carry.
    """
    from quiz.services.tallies import tallies_rebuild

    tallies_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0005_version_correct_key"),
        ("quiz", "0010_student_tallies"),
    ]

    operations = [migrations.RunPython(tallies_fill, migrations.RunPython.noop)]
