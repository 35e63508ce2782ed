from pathlib import Path

import pytest

from cpahub.conf.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    read_dotenv,
)


def test_env_str_default_and_required():
    assert env_str("X", "d", environ={}) == "d"
    assert env_str("X", "d", environ={"X": "v"}) == "v"
    with pytest.raises(ConfigError, match="X must be set"):
        env_str("X", environ={})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", False)],
)
def test_env_bool(raw, expected):
    assert env_bool("B", not expected, environ={"B": raw}) is expected


def test_env_bool_rejects_garbage():
    with pytest.raises(ConfigError, match="B must be a boolean"):
        env_bool("B", False, environ={"B": "maybe"})


def test_env_int_bounds():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": " 7 "}) == 7
    with pytest.raises(ConfigError, match="must be an integer"):
        env_int("N", 5, environ={"N": "7x"})
    with pytest.raises(ConfigError, match="at least 3"):
        env_int("N", 5, environ={"N": "2"}, minimum=3)
    with pytest.raises(ConfigError, match="at most 9"):
        env_int("N", 5, environ={"N": "10"}, maximum=9)


def test_env_list_and_choice():
    assert env_list("L", ["a"], environ={}) == ["a"]
    assert env_list("L", [], environ={"L": "a, b,,c "}) == ["a", "b", "c"]
    assert env_choice("C", "x", ("x", "y"), environ={"C": "y"}) == "y"
    with pytest.raises(ConfigError, match="one of x, y"):
        env_choice("C", "x", ("x", "y"), environ={"C": "z"})


def test_parse_postgres_url():
    db = parse_database_url("postgresql://u%40x:p%2Fw@db.local:6543/cpahub?sslmode=require")
    assert db.engine == "django.db.backends.postgresql"
    assert (db.user, db.password, db.host, db.port, db.name) == (
        "u@x",
        "p/w",
        "db.local",
        "6543",
        "cpahub",
    )
    assert db.options == {"sslmode": "require"}


def test_parse_sqlite_and_errors():
    assert parse_database_url("sqlite:////var/lib/x.db").name == "/var/lib/x.db"
    assert parse_database_url("sqlite:///rel.db").name == "rel.db"
    with pytest.raises(ConfigError, match="not supported"):
        parse_database_url("mysql://h/db")
    with pytest.raises(ConfigError, match="must name a database"):
        parse_database_url("postgresql://host")


def test_read_dotenv(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport A=1\nB=\"two words\"\nC='q'\n\n", encoding="utf-8")
    environ = {"A": "kept"}
    found = read_dotenv(env_file, environ)
    assert found == {"A": "1", "B": "two words", "C": "q"}
    assert environ == {"A": "kept", "B": "two words", "C": "q"}
    env_file.write_text("no equals sign\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=":1: expected KEY=VALUE"):
        read_dotenv(env_file, {})
    assert read_dotenv(tmp_path / "missing", {}) == {}
