# Scenario names compared by the database as the forms compare them (tierslieux/names.py):
# LOWER(name) let "Straße" and "STRASSE", or "é" typed as one character and as two, through.

import hashlib
import importlib

from django.db import migrations, models

# The key and the renaming of twins as migration 0010 wrote them (a migration keeps its own).
_0010 = importlib.import_module("venues.migrations.0010_scenario_names_unique")


def fingerprint_names(apps, schema_editor):
    """Rename the twins that LOWER(name) let through since 0010 (as 0010 did), then give every
    venue the fingerprint of its name, as Venue.save keeps it."""
    _0010.rename_duplicate_scenarios(apps, schema_editor)
    Venue = apps.get_model("venues", "Venue")
    venues = list(Venue.objects.only("pk", "name"))
    for venue in venues:
        venue.name_fingerprint = hashlib.sha256(_0010.name_key(venue.name).encode()).hexdigest()
    Venue.objects.bulk_update(venues, ["name_fingerprint"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("venues", "0010_scenario_names_unique"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="venue",
            name="scenario_name_unique_in_its_venue",
        ),
        migrations.AddField(
            model_name="venue",
            name="name_fingerprint",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fingerprint_names, migrations.RunPython.noop),
    ]
