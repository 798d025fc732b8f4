# The share-link failure counters become accounts' AddressCounter, one table for every
# per-address throttle (accounts/migrations/0001). Counters last minutes: those of the old
# table are dropped rather than copied.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('venues', '0004_share_lookup_failures'),
    ]

    operations = [
        migrations.DeleteModel(
            name='ShareLookupFailures',
        ),
    ]
