"""Column expressions built and compiled once per process, then spliced into SQL per column.

A parser is a graph of hundreds of Ibis operations (`segmint.validate.parsers`): building it,
layering its repeated steps (`segmint.compute_once`) and compiling it to SQL cost tenths of a
second per column, every run, and a table has dozens of such columns, most read by the same few
parsers. A `Template` builds the graph once, on a one-column placeholder table, and layers it
once. Each column then gets one small operation per layered step (`Spliced`), whose SQL is
the step's SQL, compiled once per engine on the placeholder, with the placeholder's columns
replaced by the real column's. The SQL an engine runs is the one the plain graph would give,
layer for layer; only building and compiling it is done once.

Ibis has no public way to add an operation to its compilers, so `Spliced`'s translation is a
``visit_Spliced`` method on Ibis' base SQL compiler, the way Ibis' own operations are
translated; every engine's compiler inherits it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.rules as rlz
import ibis.expr.types as ir
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.base import SQLGlotCompiler
from ibis.common.typing import VarTuple

from segmint.compute_once import layered
from segmint.engine.stored_sql import digest

_PLACEHOLDER_TABLE = "__segmint_template"
_INPUT = "__segmint_input"  # the placeholder table's one column
_SLOTS = "__segmint_slot_"
_SLOT = _SLOTS + "{}"  # where the n-th input of a step goes in its compiled SQL
HIDDEN_PREFIX = "_tpl"  # the hidden columns `apply` adds


class Spliced(ops.Value):
    """One layered step of a `Template`, applied to `inputs` (the columns it reads, in the
    order the template lists them); compiled by splicing them into the step's SQL."""

    template: str  # the template's `name`
    step: int
    name: str
    inputs: VarTuple[ops.Value]
    dtype: dt.DataType

    shape = rlz.shape_like("inputs")


@dataclass(frozen=True)
class _Step:
    relation: ops.Relation  # the placeholder relation the step's values read
    values: tuple[tuple[str, ops.Value, tuple[str, ...]], ...]  # name, value, fields read


@dataclass(frozen=True)
class Template:
    """A column expression, built once on a placeholder column and layered as `compute_once`
    layers it; `apply` puts it on real columns.

    Examples
    --------
    >>> tidy = Template.of("tidy", "string", lambda text: {
    ...     "key": text.strip().lower(), "long": text.strip().lower().length() > 2})
    >>> table = ibis.memtable({"a": [" Ab ", "xyz"], "b": ["Q", None]})
    >>> out, made = apply(table, {"a": (tidy, "a"), "b": (tidy, "b")})
    >>> out.select(made["a"]["key"], made["b"]["long"]).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'key': 'ab', 'long': False}, {'key': 'xyz', 'long': None}]
    """

    name: str  # the same in every process for the same key and input type (stored SQL)
    steps: tuple[_Step, ...]  # the layers, then the outputs as the last step

    @classmethod
    def of(cls, key: Hashable, input_type: str | dt.DataType,
           build: Callable[[ir.Value], Mapping[str, ir.Value]]) -> Template:
        """The template `build` gives on a column of `input_type`, built once per `key`.

        `key` is plain data (text, numbers, tuples, sets of them): it names the template in
        SQL stored for later processes (`segmint.engine.stored_sql`), so it must say all that
        `build` depends on besides segmint's code.
        """
        found = _TEMPLATES_BY_KEY.get((key, dt.dtype(input_type)))
        if found is not None:
            return found
        name = digest((key, dt.dtype(input_type)))
        if name is None:
            raise TypeError(f"a template's key must be plain data: {key!r}")
        placeholder = ibis.table({_INPUT: input_type}, name=_PLACEHOLDER_TABLE)
        layers, outputs = layered(placeholder, dict(build(placeholder[_INPUT])))
        steps = [*(_step(project, names) for project, names in layers),
                 _step(outputs, [name for name in outputs.values if name not in
                                 outputs.parent.schema])]
        template = cls(name[:24], tuple(steps))
        _TEMPLATES[template.name] = template
        _TEMPLATES_BY_KEY[(key, dt.dtype(input_type))] = template
        return template


_TEMPLATES: dict[str, Template] = {}
_TEMPLATES_BY_KEY: dict[tuple[Hashable, dt.DataType], Template] = {}
_COMPILED: dict[tuple[str, str, int, str], sge.Expression] = {}  # per compiler and step


def _step(project: ops.Project, names: list[str]) -> _Step:
    parent = project.parent
    values = []
    for name in names:
        value = project.values[name]
        read = sorted({f.name for f in value.find(ops.Field, filter=ops.Value) if f.rel == parent})
        values.append((name, value, tuple(read)))
    return _Step(parent, tuple(values))


def apply(table: ir.Table, uses: Mapping[str, tuple[Template, str]]
          ) -> tuple[ir.Table, dict[str, dict[str, ir.Value]]]:
    """`table` with each use's layers added as hidden columns, and each use's outputs.

    `uses` maps a name to a template and the column of `table` it reads. The outputs (a dict
    per use, as the template's `build` named them) are expressions on the returned table;
    the caller selects them and drops the hidden columns, named ``_tpl...``.
    """
    names: dict[str, dict[str, str]] = {  # per use: placeholder column -> column of `current`
        use: {_INPUT: column} for use, (_, column) in uses.items()}
    depth = max((len(template.steps) for template, _ in uses.values()), default=1)
    last_read: dict[str, int] = {}  # a hidden column -> the last layer reading it
    for position, (template, _) in enumerate(uses.values()):
        for number, step in enumerate(template.steps):
            layer = number if number < len(template.steps) - 1 else depth - 1  # outputs: last
            for _, _, read in step.values:
                last_read.update({_hidden(position, c): layer for c in read if c != _INPUT})
    current = table
    for layer in range(depth - 1):
        added: dict[str, ir.Value] = {}
        for position, (use, (template, _)) in enumerate(uses.items()):
            if layer >= len(template.steps) - 1:
                continue
            for name, value, read in template.steps[layer].values:
                column = _hidden(position, name)
                added[column] = _spliced(template, layer, name, value, read, current, names[use])
                names[use][name] = column
        # each layer passes on only the columns a later step reads: a wide table's parsers
        # have dozens of layers, and each passing on every earlier column made the query
        # quadratic in its columns. An impure column keeps Ibis from merging this select into
        # the next, which would write each step out again wherever it is read
        # (see segmint.compute_once).
        kept = [c for c in current.columns if c in table.columns or last_read.get(c, -1) > layer]
        current = current.select(*kept, **added, **{f"{HIDDEN_PREFIX}_barrier": ibis.random()})
    outputs: dict[str, dict[str, ir.Value]] = {}
    for use, (template, _) in uses.items():
        last = len(template.steps) - 1
        outputs[use] = {name: _spliced(template, last, name, value, read, current, names[use])
                        for name, value, read in template.steps[last].values}
    return current, outputs


def _hidden(position: int, name: str) -> str:
    return f"{HIDDEN_PREFIX}{position}_{name}"


def _spliced(template: Template, step: int, name: str, value: ops.Value, read: tuple[str, ...],
             table: ir.Table, names: dict[str, str]) -> ir.Value:
    if not read:  # a constant: nothing to splice
        return value.to_expr()
    if isinstance(value, ops.Field):  # a step's column as it is
        return table[names[value.name]].name(name)
    inputs = tuple(table[names[column]].op() for column in read)
    return Spliced(template.name, step, name, inputs, value.dtype).to_expr().name(name)


def _compiled(compiler: SQLGlotCompiler, template: str, step: int, name: str) -> sge.Expression:
    """The step's SQL on the placeholder, its inputs as slots.

    A template's steps are compiled together, once per compiler: every value in one select
    from a placeholder table with every column any step reads (compiling costs milliseconds
    per query whatever its size, and a parser has hundreds of steps).
    """
    key = (type(compiler).__name__, template, step, name)
    if key not in _COMPILED:
        steps = _TEMPLATES[template].steps
        schema = {c: t for s in steps for c, t in s.relation.schema.items()}
        slots = ops.UnboundTable(name=_PLACEHOLDER_TABLE, schema=schema)
        values, reads = {}, {}
        for number, each in enumerate(steps):
            for value_name, value, read in each.values:
                fields = {ops.Field(each.relation, c): ops.Field(slots, c) for c in read}
                values[f"{number}_{value_name}"] = value.replace(fields, filter=ops.Value)
                reads[f"{number}_{value_name}"] = read
        select = compiler.to_sqlglot(ops.Project(slots, values).to_expr())
        alias = (select.args.get("from_") or select.args["from"]).this.alias_or_name  # sqlglot 28, or older
        for compiled in select.expressions:
            read = reads[compiled.alias]

            def slot(node: sge.Expression, read=read) -> sge.Expression:
                if isinstance(node, sge.Column) and node.table == alias:
                    return sge.column(_SLOT.format(read.index(node.name)), quoted=True)
                return node

            number, value_name = compiled.alias.split("_", 1)
            # copied first: Ibis writes a repeated sub-expression as one shared SQL node
            _COMPILED[(key[0], template, int(number), value_name)] = compiled.this.transform(slot)
    return _COMPILED[key]


def _visit_spliced(self: SQLGlotCompiler, op: Spliced, *, template: str, step: int, name: str,
                   inputs: tuple[sge.Expression, ...], dtype: dt.DataType) -> sge.Expression:
    def fill(node: sge.Expression) -> sge.Expression:
        if isinstance(node, sge.Column) and not node.table and node.name.startswith(_SLOTS):
            return inputs[int(node.name[len(_SLOTS):])].copy()
        return node

    return _compiled(self, template, step, name).transform(fill)


SQLGlotCompiler.visit_Spliced = _visit_spliced
