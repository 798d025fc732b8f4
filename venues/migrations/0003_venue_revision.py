"""Venue.revision, kept by the database.

Every insert, update or delete of a cost item or a member category bumps its venue's
`revision` and sets its `updated_at`, in the same transaction, whoever writes (the views, the
admin, a bulk update, a shell). Pages rendered from a venue are cached under a key made of
both (`Venue.cache_key`), so no write path can forget to invalidate them.
"""

from django.db import migrations, models

TABLES = ("costing_costitem", "costing_membercategory")

POSTGRESQL = """
CREATE FUNCTION venues_venue_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE venues_venue SET revision = revision + 1, updated_at = clock_timestamp()
        WHERE id = OLD.venue_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.venue_id <> OLD.venue_id) THEN
        UPDATE venues_venue SET revision = revision + 1, updated_at = clock_timestamp()
        WHERE id = NEW.venue_id;
    END IF;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER {table}_touch_venue AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION venues_venue_touch();
"""
    for table in TABLES
)

POSTGRESQL_REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS {table}_touch_venue ON {table};" for table in TABLES
) + "DROP FUNCTION IF EXISTS venues_venue_touch();"

# SQLite stores Django's datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS.fff' here.
SQLITE_TOUCH = (
    "UPDATE venues_venue SET revision = revision + 1, "
    "updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = {row}.venue_id;"
)
SQLITE_EVENTS = {
    "insert": ("INSERT", ["NEW"]),
    "update": ("UPDATE", ["OLD", "NEW"]),
    "delete": ("DELETE", ["OLD"]),
}
SQLITE = [
    f"CREATE TRIGGER {table}_{name}_touch_venue AFTER {event} ON {table} BEGIN "
    + " ".join(SQLITE_TOUCH.format(row=row) for row in rows)
    + " END;"
    for table in TABLES
    for name, (event, rows) in SQLITE_EVENTS.items()
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_{name}_touch_venue;"
    for table in TABLES
    for name in SQLITE_EVENTS
]


def create_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL, SQLITE)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_REVERSE, SQLITE_REVERSE)


def _run(schema_editor, postgresql: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql, params=None)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement, params=None)
    else:
        raise NotImplementedError(f"venue revision triggers for {vendor}")


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0002_sharelink"),
        ("costing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="venue",
            name="revision",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
