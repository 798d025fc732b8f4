"""A closed period never changes, whoever writes (docs/periods.md).

BEFORE UPDATE: refuse any change of a frozen column (the documents, their hash, the month,
the version, the venue, who closed it and when), and any change of a reopened version's
reopening. Deleting stays possible: a venue's periods go with the venue.

AFTER INSERT, UPDATE, DELETE: bump the venue's `revision`, so that the pages cached under its
key (venues/pagecache.py: the share page lists the closed months) are made again. Its
`updated_at`, the date of the draft's last change, stays as it is.

An UPDATE refused raises an integrity error ("periods_period_frozen"), which the app shows
as a refusal (venues.access).
"""

from django.db import migrations

FROZEN = (
    "venue_id",
    "month",
    "version",
    "venue_document",
    "allocation_document",
    "sha256",
    "closed_by_name",
    "closed_at",
)
SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN) + (
    " OR (OLD.reopened_at IS NOT NULL AND NEW.reopened_at IS NOT OLD.reopened_at)"
)
POSTGRESQL_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN) + (
    " OR (OLD.reopened_at IS NOT NULL AND NEW.reopened_at IS DISTINCT FROM OLD.reopened_at)"
)
MESSAGE = "periods_period_frozen: a closed period never changes"

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION periods_period_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {POSTGRESQL_CHANGED} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation',
            CONSTRAINT = 'periods_period_frozen';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS periods_period_frozen ON periods_period;
CREATE TRIGGER periods_period_frozen BEFORE UPDATE ON periods_period
FOR EACH ROW EXECUTE FUNCTION periods_period_frozen();

CREATE OR REPLACE FUNCTION periods_period_touch_venue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE venues_venue SET revision = revision + 1
    WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.venue_id ELSE NEW.venue_id END);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS periods_period_touch_venue ON periods_period;
CREATE TRIGGER periods_period_touch_venue AFTER INSERT OR UPDATE OR DELETE ON periods_period
FOR EACH ROW EXECUTE FUNCTION periods_period_touch_venue();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS periods_period_frozen ON periods_period;
DROP FUNCTION IF EXISTS periods_period_frozen();
DROP TRIGGER IF EXISTS periods_period_touch_venue ON periods_period;
DROP FUNCTION IF EXISTS periods_period_touch_venue();
"""

SQLITE_EVENTS = {"insert": ("INSERT", "NEW"), "update": ("UPDATE", "NEW"), "delete": ("DELETE", "OLD")}
SQLITE = [
    "DROP TRIGGER IF EXISTS periods_period_frozen;",
    "CREATE TRIGGER periods_period_frozen BEFORE UPDATE ON periods_period "
    f"WHEN {SQLITE_CHANGED} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    *(
        statement
        for name, (event, row) in SQLITE_EVENTS.items()
        for statement in (
            f"DROP TRIGGER IF EXISTS periods_period_{name}_touch_venue;",
            f"CREATE TRIGGER periods_period_{name}_touch_venue AFTER {event} ON periods_period "
            f"BEGIN UPDATE venues_venue SET revision = revision + 1 WHERE id = {row}.venue_id; END;",
        )
    ),
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS periods_period_frozen;",
    *(f"DROP TRIGGER IF EXISTS periods_period_{name}_touch_venue;" for name in SQLITE_EVENTS),
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
        raise NotImplementedError(f"frozen period triggers for {vendor}")


class Migration(migrations.Migration):
    dependencies = [("periods", "0001_closed_periods")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
