"""Per-request context (request id, acting user) shared with the change log and the logs.

Context variables work for threads and for async code alike; commands and tasks set them with
`acting_as()` so that their writes are attributed too.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_var: contextvars.ContextVar[object | None] = contextvars.ContextVar("user", default=None)
address_var: contextvars.ContextVar[str] = contextvars.ContextVar("address", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str:
    return request_id_var.get()


def current_user():
    user = user_var.get()
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


@contextlib.contextmanager
def acting_as(user, request_id: str | None = None):
    """Attribute writes inside the block to `user` (used by commands, tasks and tests)."""
    user_token = user_var.set(user)
    rid_token = request_id_var.set(request_id or request_id_var.get() or new_request_id())
    try:
        yield
    finally:
        user_var.reset(user_token)
        request_id_var.reset(rid_token)
