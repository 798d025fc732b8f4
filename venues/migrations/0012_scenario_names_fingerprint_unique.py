# The constraint on the fingerprints 0011 filled in, in a migration of its own: PostgreSQL
# creates no index in a transaction that still has trigger events pending from 0011's updates.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("venues", "0011_scenario_names_fingerprint"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="venue",
            constraint=models.UniqueConstraint(
                fields=("name_fingerprint", "scenario_of"),
                condition=models.Q(("scenario_of__isnull", False)),
                name="scenario_name_unique_in_its_venue",
                violation_error_message="Un autre scénario de ce lieu porte déjà ce nom.",
            ),
        ),
    ]
