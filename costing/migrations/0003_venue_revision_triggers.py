"""Venue.revision and updated_at, kept by the database.

Every insert, update or delete of a cost item or a member category bumps its venue's
`revision` and sets its `updated_at`, in the same transaction, whoever writes (the views, the
admin, a bulk update, a shell). What is rendered from a venue is cached under a key made of
both (venues/pagecache.py), so no write path can forget to invalidate it.

These triggers were created by venues' migration 0003 until the apps were made to lean one way
(costing on venues, never the reverse): on a database that has them already, this replaces
them with the same triggers under costing's name.

On SQLite, a migration that rebuilds one of these tables (most changes of a column or a
constraint do) drops its triggers with it: such a migration must run this one's statements
again afterwards (costing/tests/test_share_page.py fails otherwise: a page stays stale).
"""

from django.db import migrations

TABLES = ("costing_costitem", "costing_membercategory")

POSTGRESQL = """
CREATE OR REPLACE FUNCTION costing_touch_venue() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER IF EXISTS {table}_touch_venue ON {table};
CREATE TRIGGER {table}_touch_venue AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION costing_touch_venue();
"""
    for table in TABLES
) + "DROP FUNCTION IF EXISTS venues_venue_touch();"

POSTGRESQL_REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS {table}_touch_venue ON {table};" for table in TABLES
) + "DROP FUNCTION IF EXISTS costing_touch_venue();"

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
    statement
    for table in TABLES
    for name, (event, rows) in SQLITE_EVENTS.items()
    for statement in (
        f"DROP TRIGGER IF EXISTS {table}_{name}_touch_venue;",
        f"CREATE TRIGGER {table}_{name}_touch_venue AFTER {event} ON {table} BEGIN "
        + " ".join(SQLITE_TOUCH.format(row=row) for row in rows)
        + " END;",
    )
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
        ("costing", "0002_constraint_messages"),
        ("venues", "0003_venue_revision"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
