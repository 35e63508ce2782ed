"""A real OpenID Connect provider for the tests: a tiny Django project on django-oauth-toolkit.

`python -m cpahub.sso.tests.oidc_provider.serve` migrates a fresh SQLite database, creates one
confidential client and a few people, serves on a free loopback port, and prints one JSON line
(port, subjects) when it is ready. See `cpahub/sso/tests/conftest.py` for how the tests start it.
"""
