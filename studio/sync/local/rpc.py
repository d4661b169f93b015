"""The catalog lookup and the statement PostgREST would run for an RPC call."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from studio.sync.backend import backend_error
from studio.sync.filters import row_values
from studio.sync.local.sql import Statement, as_json_array, json_text

# The overloads of a public function, with their input arguments (types fully qualified: the
# lookup runs with an empty search_path) and what they return.
FUNCTION_LOOKUP = sql.SQL(
    """
    select coalesce(json_agg(json_build_object(
             'names', coalesce(p.proargnames, '{}'),
             'modes', coalesce(p.proargmodes::text[], '{}'),
             'types', array(select format_type(a.oid, null)
                              from unnest(p.proargtypes::oid[]) with ordinality as a(oid, n)
                             order by a.n),
             'defaults', p.pronargdefaults,
             'set', p.proretset,
             'rows', t.typtype = 'c' or p.prorettype = 'record'::regtype,
             'void', p.prorettype = 'void'::regtype)), '[]')::text
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      join pg_catalog.pg_type t on t.oid = p.prorettype
     where n.nspname = 'public' and p.proname = %s and p.prokind = 'f'
    """
)


@dataclass(frozen=True)
class FunctionSignature:
    """One overload of a public function: its input arguments and the shape of its result."""

    name: str
    arguments: tuple[tuple[str, str], ...]  # (name, type) of each input argument, in order
    required: int  # leading arguments without a default
    returns_set: bool
    returns_rows: bool
    returns_void: bool

    @classmethod
    def from_catalog(cls, name: str, entry: Mapping[str, Any]) -> FunctionSignature | None:
        """Build from one FUNCTION_LOOKUP entry; None when an input argument has no name
        (PostgREST cannot call those with named parameters either)."""
        names, modes, types = entry["names"], entry["modes"], entry["types"]
        if modes:
            inputs = [n for n, m in zip(names, modes, strict=True) if m in ("i", "b", "v")]
        else:
            inputs = list(names[: len(types)])
        if len(inputs) != len(types) or not all(inputs):
            return None
        return cls(
            name=name,
            arguments=tuple(zip(inputs, types, strict=True)),
            required=len(types) - int(entry["defaults"]),
            returns_set=bool(entry["set"]),
            returns_rows=bool(entry["rows"]),
            returns_void=bool(entry["void"]),
        )

    def accepts(self, given: Collection) -> bool:
        names = [n for n, _ in self.arguments]
        return set(given) <= set(names) and set(names[: self.required]) <= set(given)


def choose_overload(
    name: str, candidates: Sequence[FunctionSignature], given: Collection
) -> FunctionSignature:
    """The one overload callable with exactly the named parameters given, as PostgREST picks."""
    fitting = [c for c in candidates if c.accepts(given)]
    if len(fitting) == 1:
        return fitting[0]
    listed = ", ".join(sorted(given))
    if not fitting:
        raise backend_error(
            f"Could not find the function public.{name}({listed}) in the schema cache",
            status=404,
            code="PGRST202",
        )
    raise backend_error(
        f"Could not choose the best candidate function between several public.{name} overloads",
        status=300,
        code="PGRST203",
    )


def rpc_statement(
    signature: FunctionSignature, params: Mapping[str, Any], max_rows: int | None
) -> Statement:
    """`POST /rpc/function` with the JSON body `params`, as one JSON value.

    Arguments are read from the JSON body with `json_to_record`, exactly as PostgREST converts
    them; only the parameters given are passed, so the others take their defaults.
    """
    body = row_values(params)
    types = dict(signature.arguments)
    given = [n for n, _ in signature.arguments if n in body]
    function = sql.Identifier("public", signature.name)
    call = sql.SQL("{}({})").format(
        function,
        sql.SQL(", ").join(sql.SQL("{0} => _a.{0}").format(sql.Identifier(n)) for n in given),
    )
    record: sql.Composable = sql.SQL("")
    query_params: list[Any] = []
    if given:
        # Type names come from the catalog (format_type), never from the caller.
        record = sql.SQL("json_to_record(%s::json) as _a({})").format(
            sql.SQL(", ").join(sql.SQL("{} " + types[n]).format(sql.Identifier(n)) for n in given)
        )
        query_params.append(json_text({n: body[n] for n in given}))

    if not signature.returns_set and not signature.returns_rows:
        scalar = call if signature.returns_void else sql.SQL("to_json({})::text").format(call)
        if given:
            return sql.SQL("select {} from {}").format(scalar, record), query_params
        return sql.SQL("select {}").format(scalar), query_params

    alias = sql.SQL("_c" if signature.returns_rows else "_c(v)")
    source = (
        sql.SQL("{}, lateral {} as {}").format(record, call, alias)
        if given
        else sql.SQL("{} as {}").format(call, alias)
    )
    rows = sql.SQL("select {} from {}{}").format(
        sql.SQL("_c.*" if signature.returns_rows else "_c.v"),
        source,
        sql.SQL(" limit {}").format(sql.Literal(max_rows)) if max_rows else sql.SQL(""),
    )
    if not signature.returns_set:
        # A single composite comes back as one JSON object (null when there is none).
        return (
            sql.SQL("select coalesce((json_agg(_r) -> 0)::text, 'null') from ({}) as _r").format(
                rows
            ),
            query_params,
        )
    if signature.returns_rows:
        return as_json_array(rows), query_params
    # A set of scalars: a JSON array of values.
    return sql.SQL("select coalesce(json_agg(_r.v), '[]')::text from ({}) as _r").format(
        rows
    ), query_params
