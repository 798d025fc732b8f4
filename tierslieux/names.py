"""Names a user types that must be unique among their siblings (a venue's categories, its
scenarios): compared as one name whatever their case and however their accents were typed."""

import unicodedata
from collections.abc import Iterable


def name_key(name: str) -> str:
    """What two names must not share: the same whatever their case, and whether "é" was typed
    as one character or as "e" and a combining accent (as macOS pastes it).

    At least as strict as the database's unique index on LOWER(name), or a name let through
    here fails the save: PostgreSQL lowers "İ" to "i" where casefold() gives "i̇" (checked
    against every code point, the only one)."""
    name = name.replace("\u0130", "i")
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def name_taken(name: str, names: Iterable[str]) -> bool:
    """Whether `name` is one of `names`, as `name_key` compares them."""
    key = name_key(name)
    return any(name_key(other) == key for other in names)
