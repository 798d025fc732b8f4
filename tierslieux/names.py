"""Names a user types that must be unique among their siblings (a venue's categories, its
scenarios): compared as one name whatever their case and however their accents were typed."""

import hashlib
import unicodedata
from collections.abc import Iterable


def name_key(name: str) -> str:
    """What two names must not share: the same whatever their case, and whether "é" was typed
    as one character or as "e" and a combining accent (as macOS pastes it).

    At least as strict as LOWER(name) (the categories' unique index), or a name let through
    here fails the save: PostgreSQL lowers "İ" to "i" where casefold() gives "i̇" (checked
    against every code point, the only one). The scenarios' constraint compares this key
    itself (`name_fingerprint`)."""
    name = name.replace("\u0130", "i")
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def name_taken(name: str, names: Iterable[str]) -> bool:
    """Whether `name` is one of `names`, as `name_key` compares them."""
    key = name_key(name)
    return any(name_key(other) == key for other in names)


def name_fingerprint(name: str) -> str:
    """`name_key` as the database keeps it for its unique constraints (a scenario's name among
    its venue's scenarios): a SHA-256, as short whatever the name, and compared exactly as the
    forms compare names, which LOWER() in SQL cannot ("Straße" and "STRASSE", "é" typed as
    one character or two)."""
    return hashlib.sha256(name_key(name).encode()).hexdigest()
