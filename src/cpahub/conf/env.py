"""Typed readers for configuration from environment variables (and an optional .env file).

Every setting of the platform goes through one of these helpers, so that a wrong value fails at
start-up with the variable's name in the message instead of somewhere deep in a request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(ValueError):
    """A configuration variable is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def read_dotenv(path: Path, environ: dict | None = None) -> dict[str, str]:
    """Load KEY=VALUE lines from `path` into `environ` without overriding what is already set.

    Supports comments, `export ` prefixes and single or double quotes. Returns what was read.
    """
    environ = os.environ if environ is None else environ
    found: dict[str, str] = {}
    if not path.is_file():
        return found
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found[key] = value
        environ.setdefault(key, value)
    return found


def env_str(name: str, default: str | None = None, environ: dict | None = None) -> str:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool, environ: dict | None = None) -> bool:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}")


def env_int(
    name: str,
    default: int,
    environ: dict | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None or value.strip() == "":
        result = default
    else:
        try:
            result = int(value.strip())
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and result < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {result}")
    return result


def env_list(name: str, default: list[str], environ: dict | None = None) -> list[str]:
    """Comma-separated list; blank items are dropped."""
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...], environ: dict | None = None) -> str:
    value = env_str(name, default, environ)
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_path(name: str, default: Path, environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str
    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict


_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse `postgresql://user:pass@host:5432/name?sslmode=require` or `sqlite:////abs/path.db`."""
    parts = urlsplit(url)
    engine = _ENGINES.get(parts.scheme)
    if engine is None:
        raise ConfigError(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgresql:// or sqlite://)"
        )
    if engine.endswith("sqlite3"):
        name = unquote(parts.path)
        if name.startswith("//"):
            name = name[1:]
        elif name.startswith("/"):
            name = name[1:] or ":memory:"
        return DatabaseUrl(engine, name or ":memory:", "", "", "", "", {})
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError("DATABASE_URL must name a database, e.g. postgresql://host/cpahub")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = str(parts.port or "")
    except ValueError:
        raise ConfigError("DATABASE_URL has an invalid port") from None
    return DatabaseUrl(
        engine=engine,
        name=name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=unquote(parts.hostname or ""),
        port=port,
        options=options,
    )
