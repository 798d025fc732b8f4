"""The journal of a venue's changes: who changed what, when, each field before → after.

`record` writes one entry in the caller's transaction: a change and its entry are committed
together, or neither is. The person acting is the one `venue_view` (venues/access.py) let in,
held for the request by `acting`; a command acts as nobody ("" for its name).

An entry names what it touched by model ("costing.costitem") and keeps field *names* and raw
values; the journal's page shows them in the reader's language from the models' own verbose
names and choices (`describe`). So any app can record a change without this app knowing it.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import Change, Venue

_actor: ContextVar = ContextVar("journal_actor", default=None)


@contextmanager
def acting(user) -> Iterator[None]:
    """Changes recorded inside are made by `user`."""
    token = _actor.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        _actor.reset(token)


def snapshot(instance: models.Model, names: Iterable[str]) -> dict[str, str]:
    """The values of `names` on `instance`, as the journal keeps them (decimals with their
    column's places, as the database stores them: 0 and 0.00 are one value)."""
    values = {}
    for name in names:
        value = getattr(instance, name)
        field = instance._meta.get_field(name)
        if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        values[name] = _text(value)
    return values


def record(venue: Venue, target: models.Model, action: str, **details) -> Change | None:
    """Write the entry for `action` on `target` that `entry` makes, if it makes one."""
    change = entry(venue, target, action, **details)
    if change is not None:
        change.save(force_insert=True)
    return change


def entry(
    venue: Venue,
    target: models.Model,
    action: str,
    *,
    before: dict[str, str] | None = None,
    after: dict[str, str] | None = None,
    label: str | None = None,
) -> Change | None:
    """The entry for `action` on `target` (a row of the venue, or the venue itself), not yet
    written: `record` writes it, or a write saves it with the change, in the same round trip
    (costing.models `Row.save_if_unchanged`).

    A change records the fields whose value differs between `before` and `after` (snapshots);
    a change that changed nothing makes no entry (None). An addition records `after` alone.
    """
    before, after = before or {}, after or {}
    fields = [
        [name, before.get(name, ""), after.get(name, "")]
        for name in dict.fromkeys([*before, *after])
        if before.get(name, "") != after.get(name, "")
    ]
    if action == Change.Action.CHANGED and not fields:
        return None
    actor = _actor.get()
    return Change(
        venue=venue,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        model=target._meta.label_lower,
        object_id=target.pk,
        label=(str(target) if label is None else label)[:200],
        action=action,
        fields=fields,
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# Reading the journal ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


class Entry:
    """A change as the journal's page shows it. An entry never changes once written, so the page
    keeps each one's markup ({% cache %} in venues/journal.html, under its `key` and the
    reader's language): what naming and valuing it takes is worked out only for an entry not
    yet rendered in this process."""

    def __init__(self, change: Change) -> None:
        self.change = change

    @property
    def key(self) -> str:
        """Its id, and its venue and time too: an id that a database restored from a backup
        or flushed gave again to another entry never shows the markup kept for the first."""
        change = self.change
        return f"{change.venue_id}:{change.pk}:{change.at.timestamp()}"

    @cached_property
    def subject(self) -> str:
        return subject(self.change)

    @cached_property
    def name(self) -> str:
        return name(self.change)

    @cached_property
    def fields(self) -> list[FieldChange]:
        return describe(self.change)


def describe(change: Change) -> list[FieldChange]:
    """The fields of `change`, named and valued in the reader's language."""
    try:
        model = apps.get_model(change.model)
    except LookupError:
        model = None
    return [_describe_field(model, *field) for field in change.fields]


def subject(change: Change) -> str:
    """What the change touched, in the reader's language ("poste de coût"). A scenario is a
    venue by its model: an entry of a venue's journal about another venue (one made the
    current state, one deleted) names it a scenario."""
    scenario = change.model == "venues.venue" and change.object_id != change.venue_id
    if change.action == Change.Action.SCENARIO_APPLIED or scenario:
        return _("scénario")
    try:
        return str(apps.get_model(change.model)._meta.verbose_name)
    except LookupError:
        return change.model


def name(change: Change) -> str:
    """What the change touched, by its name then, in the reader's language where its model
    says how: a model's classmethod `journal_name(label)` (a closed month is recorded as
    "2026-11 (v1)" and shown "novembre 2026 (v1)" or "November 2026 (v1)"). Other names are
    what the user typed, shown as recorded."""
    try:
        show = getattr(apps.get_model(change.model), "journal_name", None)
    except LookupError:
        show = None
    return show(change.label) if show else change.label


def _describe_field(model, name: str, before: str, after: str) -> FieldChange:
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return FieldChange(name, before, after)
    return FieldChange(str(field.verbose_name), _value(field, before), _value(field, after))


def _value(field, text: str) -> str:
    if text == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(text, text))
    if isinstance(field, models.BooleanField):
        return _("oui") if text == "1" else _("non")
    if isinstance(field, models.DecimalField):
        return number_format(Decimal(text), decimal_pos=field.decimal_places, force_grouping=True)
    return text
