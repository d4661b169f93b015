"""split_statements follows PostgreSQL's lexical rules for where statements end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from studio.server.sqlsplit import split_statements


def test_plain_statements() -> None:
    assert split_statements("select 1; select 2 ;\n\n") == ["select 1", "select 2"]


def test_semicolons_inside_literals_and_comments() -> None:
    script = """
    -- leading comment; not a statement
    insert into t values ('a;b', 'it''s; fine', E'esc\\'; still', "odd;name");
    /* block; /* nested; */ still comment; */
    create function f() returns text language sql as $body$ select 'x;y' $body$;
    do $$ begin perform 1; end $$;
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[0].endswith("""E'esc\\'; still', "odd;name")""")
    assert statements[1].startswith("/* block;")
    assert statements[2] == "do $$ begin perform 1; end $$"


def test_begin_atomic_bodies() -> None:
    script = """
    create function g(i int) returns text language sql
    begin atomic
      select case when i > 0 then 'pos' else 'neg' end;
      select 'x';
    end;
    select 2;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1] == "select 2"


def test_comment_only_input() -> None:
    assert split_statements("-- nothing here\n/* or here */\n") == []


words = st.text(alphabet="abc xyz_0123", min_size=1, max_size=20).filter(lambda s: s.strip())


@given(st.lists(words, min_size=1, max_size=8))
def test_split_inverts_join(parts: list[str]) -> None:
    statements = [f"select '{p};' as \"{p}\"" for p in parts]
    assert split_statements(";\n".join(statements)) == statements
