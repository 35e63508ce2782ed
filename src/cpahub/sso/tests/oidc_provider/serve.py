"""Start the test OpenID Connect provider on a free loopback port.

Environment (all set by the test fixture):
    CPAHUB_TEST_OP_DIR            a fresh directory for the SQLite database
    CPAHUB_TEST_OP_CLIENT_ID      the relying party's client id
    CPAHUB_TEST_OP_CLIENT_SECRET  its client secret
    CPAHUB_TEST_OP_REDIRECT_URIS  space-separated redirect URIs to register

Prints one JSON line on stdout when ready: {"port": ..., "issuer": ..., "subjects": {username: sub}}.
"""

import json
import os
import sys
import threading

# People at the provider: username -> (password, family name, given name, e-mail).
PEOPLE = {
    "alice": ("alice-provider-pw", "张", "丽", "alice@idp.example"),
    "bob": ("bob-provider-pw", "王", "博", "bob@idp.example"),
}


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cpahub.sso.tests.oidc_provider.settings"
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    User = get_user_model()
    subjects = {}
    for username, (password, family, given, email) in PEOPLE.items():
        user = User.objects.create_user(
            username=username, password=password, last_name=family, first_name=given, email=email
        )
        subjects[username] = str(user.pk)
    Application.objects.create(
        name="cpahub",
        client_id=os.environ["CPAHUB_TEST_OP_CLIENT_ID"],
        client_secret=os.environ["CPAHUB_TEST_OP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["CPAHUB_TEST_OP_REDIRECT_URIS"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # keep the test output clean
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    port = server.server_address[1]
    ready = {"port": port, "issuer": f"http://127.0.0.1:{port}/o", "subjects": subjects}
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    # Stop when the test session ends, even if it dies without terminating us: stdin then closes.
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()


def _exit_when_stdin_closes() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
