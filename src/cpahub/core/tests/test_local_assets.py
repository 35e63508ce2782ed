"""The platform must run on an intranet with no internet: no page or stylesheet loads anything remote."""

import re
from pathlib import Path

from django.conf import settings

REMOTE = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.I,
)


def _files(*patterns):
    root = Path(settings.PACKAGE_DIR)
    for pattern in patterns:
        yield from root.glob(pattern)


def test_templates_load_nothing_remote():
    offenders = []
    for path in _files("**/templates/**/*.html"):
        if "/tests/" in path.as_posix():
            continue
        for match in REMOTE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == []


def test_stylesheets_load_nothing_remote():
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in _files("**/static/**/*.css")
        for match in REMOTE.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_the_detector_finds_remote_references():
    assert REMOTE.search('<script src="https://cdn.example.com/x.js">')
    assert REMOTE.search("background: url(//fonts.example.com/a.woff)")
    assert not REMOTE.search('<script src="/static/vendor/htmx/htmx.min.js">')
