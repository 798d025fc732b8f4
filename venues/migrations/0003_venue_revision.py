"""Venue.revision: the number of changes the venue, its items and its categories have had,
kept by the database (costing's triggers, costing/migrations/0002).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0002_sharelink"),
    ]

    operations = [
        migrations.AddField(
            model_name="venue",
            name="revision",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
    ]
