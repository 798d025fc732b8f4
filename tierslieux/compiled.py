"""Querysets built and compiled to SQL once per process, then run again with other values.

Building a queryset and compiling it costs more Python time than PostgreSQL takes to answer
the hottest queries: about 1 ms for a venue's access check with the user's role, 1.4 ms for a
venue's items and categories in one UNION (measured on 2 cores, docs/scaling.md), on every
request. `CompiledQuery` builds the queryset once, with placeholder values in place of the
ones that vary (a user's id, a venue's id), compiles it, and keeps the SQL: each run executes
that SQL with the placeholders replaced, then turns the rows into what the queryset would have
given (model instances with their annotations, or values lists), through the compiler's own
converters. The queryset stays the one source of the query: nothing here is SQL by hand.

`run` sends several such statements in one round trip on PostgreSQL: a write to a venue takes
its lock and reads its rows with one (venues/access.py `WithLock`). `update_and_insert` writes
a row and its journal entry with one (costing.models `Row.save_if_unchanged`), its UPDATE and
INSERT compiled once in the same way: each value left out of the compiled statement is put
back as its field prepares it for the database, the call the compilers make.

A placeholder must reach the compiled parameters (a filter's value, not a slice's bound): a
queryset whose placeholder is missing, or found twice as something else, is refused when it is
first compiled.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections, router
from django.db.models import Expression, Model, QuerySet, sql
from django.db.models.query import get_related_populators

# Values no real primary key takes (ids are positive), one per name.
_PLACEHOLDER_BASE = -987_654_320


class CompiledQuery:
    """`build(**placeholders)` returns the queryset; `names` are its varying values, ids
    (integers), or texts for those also named in `texts`."""

    def __init__(
        self, build: Callable[..., QuerySet], *names: str, texts: tuple[str, ...] = ()
    ) -> None:
        self.build = build
        self.names = names
        self.texts = texts
        # Two threads that compile at once make the same thing; either is kept.
        self._compiled: dict[tuple, tuple] = {}

    def _compile(self, using: str, variant: tuple) -> tuple:
        key = (using, connections[using].vendor, *variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            placeholders = {
                name: f"placeholder:{name}" if name in self.texts else _PLACEHOLDER_BASE - i
                for i, name in enumerate(self.names)
            }
            queryset = self.build(*variant, **placeholders)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            slots = []
            for index, param in enumerate(params):
                names = [name for name, value in placeholders.items() if param == value]
                if names:
                    slots.append((index, names[0]))
            if sorted({name for _, name in slots}) != sorted(self.names):
                raise ValueError(f"placeholders not all in the compiled parameters: {slots}")
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            converters = list(compiler.get_converters(fields).items())
            compiled = (queryset, compiler, sql, tuple(params), tuple(slots), converters)
            self._compiled[key] = compiled
        return compiled

    def bind(self, *variant, using: str = "default", **values) -> "Bound":
        """The statement with these values, to run alone or with others (`run`)."""
        queryset, compiler, sql, params, slots, converters = self._compile(using, variant)
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        return Bound(using, queryset, compiler, sql, params, converters)

    def values(self, *variant, using: str = "default", **values) -> list[tuple]:
        """The rows as tuples, as `values_list()` gives them."""
        bound = self.bind(*variant, using=using, **values)
        return bound.values(run(bound)[0])

    def objects(self, *variant, using: str = "default", **values) -> Iterator[Model]:
        """The rows as model instances with their annotations (and select_related()), as
        iterating the queryset gives them."""
        bound = self.bind(*variant, using=using, **values)
        return bound.objects(run(bound)[0])


class Bound:
    """A compiled statement with its values; turns the rows it gave into what the queryset
    would have given."""

    def __init__(self, using, queryset, compiler, sql, params, converters) -> None:
        self.using, self.queryset, self.compiler = using, queryset, compiler
        self.sql, self.params, self.converters = sql, params, converters

    def _converted(self, rows: list[tuple]) -> list:
        if not self.converters:
            return rows
        # as SQLCompiler.apply_converters, with this thread's connection
        connection = connections[self.using]
        rows = [list(row) for row in rows]
        for row in rows:
            for index, (functions, expression) in self.converters:
                for function in functions:
                    row[index] = function(row[index], expression, connection)
        return rows

    def values(self, rows: list[tuple]) -> list[tuple]:
        return [tuple(row) for row in self._converted(rows)]

    def objects(self, rows: list[tuple]) -> Iterator[Model]:
        """As iterating the queryset: its model's instances, their annotations, and the
        instances of select_related() (as Django's ModelIterable does)."""
        compiler = self.compiler
        info = compiler.klass_info
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [s[0].target.attname for s in compiler.select[start:end]]
        annotations = compiler.annotation_col_map.items()
        model = self.queryset.model
        related = get_related_populators(
            info, compiler.select, self.using, self.queryset._fetch_mode
        )
        for row in self._converted(rows):
            instance = model.from_db(self.using, names, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for attribute, index in annotations:
                setattr(instance, attribute, row[index])
            yield instance


def run(*statements: Bound) -> list[list[tuple]]:
    """Run `statements` in their order, on one database; each one's raw rows.

    On PostgreSQL they go in one round trip: one `execute` of the statements joined by ";",
    which psycopg's client-side binding (Django's default) sends as one simple query. PostgreSQL
    still runs them one after the other, each with its own snapshot (READ COMMITTED): a
    statement sees what the ones before it waited for, such as a lock (venues/access.py).
    Django counts them as one query. Elsewhere (SQLite), one `execute` each.
    """
    using = statements[0].using
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(
                ";\n".join(s.sql for s in statements), [p for s in statements for p in s.params]
            )
            results = [cursor.fetchall()]
            while cursor.nextset():
                results.append(cursor.fetchall())
            return results
        results = []
        for statement in statements:
            cursor.execute(statement.sql, statement.params)
            results.append(cursor.fetchall())
        return results


class _Slot(Expression):
    """A value left out of a compiled write: the compiler gives it as one parameter, this object,
    which each run replaces with the value as its field prepares it (`get_db_prep_save`, which
    the compiler calls on every value it writes)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [self]


# Writes compiled in this process, by their shape (model, names, expressions among the values).
# A shape whose expressions change at every call (values given as Value(...)) would fill it:
# past this many, a write is compiled at each call, as the ORM does.
_WRITES: dict[tuple, tuple] = {}
_MAX_WRITES = 512


def _compiled(key: tuple, compile: Callable[[], Any]) -> Any:
    compiled = _WRITES.get(key)
    if compiled is None:
        compiled = compile()
        if len(_WRITES) < _MAX_WRITES:
            _WRITES[key] = compiled
    return compiled


def _written_as_a_parameter(field) -> bool:
    """Whether the compilers write the field's value as one plain parameter, whatever it is."""
    return getattr(field, "get_placeholder_sql", None) is None and not field.has_db_default()


def update_statement(
    model: type[Model], where: dict[str, int], values: dict[str, Any], using: str
) -> tuple[str, list] | None:
    """`model.objects.filter(**where).update(**values)`'s SQL and parameters, the statement
    compiled once per shape; None when no row can match. `where` holds ids (or versions):
    integers, as CompiledQuery's."""
    connection = connections[using]
    for name, value in where.items():
        # as the ORM's integer lookups: a value out of its column's range matches nothing
        # (a version posted by hand), rather than failing in the database
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    shape = tuple(
        (name, value if hasattr(value, "resolve_expression") else None)
        for name, value in values.items()
    )

    def compile() -> tuple:
        # in the range of any integer field (a version is a positive one), unlike ids' placeholders
        placeholders = {32_123 - i: name for i, name in enumerate(where)}
        queryset = model._default_manager.using(using).filter(
            **{name: value for value, name in placeholders.items()}
        )
        update = queryset.query.chain(sql.UpdateQuery)
        update.add_update_values(
            {name: _Slot(name) if expression is None else expression for name, expression in shape}
        )
        fields = {
            value.name: field for field, _, value in update.values if isinstance(value, _Slot)
        }
        if update.related_updates or not all(map(_written_as_a_parameter, fields.values())):
            raise ValueError(f"{model.__name__}: an update this module does not compile")
        text, params = update.get_compiler(using).as_sql()
        slots, found = [], []
        for index, param in enumerate(params):
            if isinstance(param, _Slot):
                slots.append((index, param.name, fields[param.name]))
                found.append(param.name)
            elif isinstance(param, int) and param in placeholders:
                slots.append((index, placeholders[param], None))
                found.append(placeholders[param])
        if sorted(found) != sorted([*fields, *where]):
            raise ValueError(f"values not each once in the compiled parameters: {found}")
        return text, tuple(params), tuple(slots)

    key = ("update", using, connection.vendor, model, tuple(where), shape)
    text, params, slots = _compiled(key, compile)
    params = list(params)
    for index, name, field in slots:
        if field is None:
            params[index] = where[name]
            continue
        value = values[name]
        if hasattr(value, "prepare_database_save") and field.remote_field:
            value = value.prepare_database_save(field)  # a model instance: its key
        params[index] = field.get_db_prep_save(value, connection=connection)
    return text, params


def insert_statement(obj: Model, using: str) -> tuple[str, list]:
    """The SQL and parameters of what `obj.save(force_insert=True)` inserts, returning its id:
    the statement compiled once per model."""
    connection = connections[using]
    model, meta = type(obj), type(obj)._meta
    # What Model.save() inserts: every concrete field but the generated ones and the id.
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]

    def compile() -> str:
        if not all(map(_written_as_a_parameter, fields)):
            raise ValueError(f"{model.__name__}: an insert this module does not compile")
        template = model()
        for field in fields:
            setattr(template, field.attname, _Slot(field.attname))
        insert = sql.InsertQuery(model)
        insert.insert_values(fields, [template], raw=True)  # the slots as they are
        compiler = insert.get_compiler(using)
        compiler.returning_fields = [meta.pk]
        [(text, params)] = compiler.as_sql()
        if [getattr(p, "name", None) for p in params] != [f.attname for f in fields]:
            raise ValueError(f"{model.__name__}: its fields not each once in its parameters")
        return text

    text = _compiled(("insert", using, connection.vendor, model), compile)
    params = []
    for field in fields:
        value = field.pre_save(obj, add=True)  # as SQLInsertCompiler.pre_save_val
        if hasattr(value, "resolve_expression"):
            raise ValueError(f"{field}: an expression, which this module does not insert")
        params.append(field.get_db_prep_save(value, connection=connection))
    return text, params


def update_and_insert(
    model: type[Model], where: dict[str, int], values: dict[str, Any], obj: Model | None = None
) -> int:
    """`model.objects.filter(**where).update(**values)`, and `obj` inserted only if a row was
    updated: the number of rows updated. Call it in a transaction.

    Both statements are compiled once per process and shape (the UPDATE: its model, the names
    in `where` and `values`, the expressions among the values, such as `F("version") + 1`;
    the INSERT: its model), as CompiledQuery compiles a queryset: building and compiling both
    took 0.63 ms of every edit, against 0.11 ms now (docs/scaling.md). Each value is prepared by
    its field as the compiler prepares it; tests/test_compiled.py checks that both statements
    are the ORM's, SQL and parameters.

    On PostgreSQL both go in one round trip (as `run`); if the UPDATE matched no row, the row
    just inserted is deleted again, in the same transaction, so that nobody ever sees it (a
    write that is refused as stale: rare, and one query more). Elsewhere (SQLite), the UPDATE,
    then `obj.save()` if it matched.
    """
    using = router.db_for_write(model)
    connection = connections[using]
    statement = update_statement(model, where, values, using)
    if statement is None:
        return 0
    update_sql, update_params = statement
    if obj is None or connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update_sql, update_params)
            updated = cursor.rowcount
        if updated and obj is not None:
            obj.save(using=using, force_insert=True)
        return updated
    insert_sql, insert_params = insert_statement(obj, using)
    with connection.cursor() as cursor:
        cursor.execute(f"{update_sql};\n{insert_sql}", [*update_params, *insert_params])
        updated = cursor.rowcount
        cursor.nextset()
        (pk,) = cursor.fetchone()
    if not updated:
        type(obj)._base_manager.using(using).filter(pk=pk).delete()
        return 0
    obj.pk = pk
    obj._state.adding, obj._state.db = False, using
    return updated
