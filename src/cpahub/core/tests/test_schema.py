"""The committed OpenAPI schema is valid and equal to what the code generates."""

from cpahub.core.management.commands.schema_check import SCHEMA_PATH, generate_schema


def test_committed_schema_matches_the_code(db):
    generated = generate_schema()
    assert "/api/registry/firms/" in generated
    assert generated == SCHEMA_PATH.read_text(encoding="utf-8"), "run `cpahub schema_check --write`"


def test_docs_page_uses_local_assets(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html.split("<body")[0]
