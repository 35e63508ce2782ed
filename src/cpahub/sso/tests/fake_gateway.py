"""A fake 赣政通-style gateway on loopback: checks our signatures and signs its replies.

Its signature code is written here again from the scheme in docs/sso.md (standard library HMAC
and `cryptography`'s SM3), not imported from cpahub, so that the two must agree to pass.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac


def hex_hmac(algorithm: str, secret: str, message: bytes) -> str:
    if algorithm == "hmac-sha256":
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    mac = crypto_hmac.HMAC(secret.encode(), hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


@dataclass
class GatewayState:
    app_id: str
    app_secret: str
    algorithm: str
    person: dict
    sign_replies: bool = True
    corrupt_reply_signature: bool = False
    reply_clock_offset_ms: int = 0
    codes: dict = field(default_factory=dict)  # code -> redirect_uri
    tokens: set = field(default_factory=set)
    received: list = field(default_factory=list)  # (path, signed payload, headers)
    rejected: list = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    state: GatewayState  # set on the subclass made per server

    def log_message(self, format, *args):
        pass

    # -- signatures ------------------------------------------------------------------------
    def _check_signature(self, payload: bytes) -> bool:
        s = self.state
        app_id = self.headers.get("X-App-Id", "")
        timestamp = self.headers.get("X-Timestamp", "")
        nonce = self.headers.get("X-Nonce", "")
        signature = self.headers.get("X-Signature", "")
        message = f"{app_id}\n{timestamp}\n{nonce}\n".encode() + payload
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 300_000
        good = (
            app_id == s.app_id
            and fresh
            and len(nonce) >= 16
            and hmac.compare_digest(signature, hex_hmac(s.algorithm, s.app_secret, message))
        )
        if not good:
            s.rejected.append(f"{self.path.split('?')[0]}: bad signature")
        return good

    def _reply(self, status: int, envelope: dict, sign: bool = True):
        s = self.state
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if sign and s.sign_replies:
            timestamp = str(int(time.time() * 1000) + s.reply_clock_offset_ms)
            nonce = secrets.token_hex(16)
            message = f"{s.app_id}\n{timestamp}\n{nonce}\n".encode() + body
            signature = hex_hmac(s.algorithm, s.app_secret, message)
            if s.corrupt_reply_signature:
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            self.send_header("X-App-Id", s.app_id)
            self.send_header("X-Timestamp", timestamp)
            self.send_header("X-Nonce", nonce)
            self.send_header("X-Signature", signature)
        self.end_headers()
        self.wfile.write(body)

    # -- endpoints -------------------------------------------------------------------------
    def do_GET(self):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/authorize":
            # The person has logged in at the gateway; send them back with a one-time code.
            if query.get("app_id") != self.state.app_id or query.get("response_type") != "code":
                self.send_error(400)
                return
            code = secrets.token_urlsafe(16)
            self.state.codes[code] = query["redirect_uri"]
            target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        elif parts.path == "/userinfo":
            self.state.received.append(("/userinfo", parts.query, dict(self.headers)))
            if not self._check_signature(parts.query.encode()):
                self._reply(401, {"code": 40101, "msg": "invalid signature"}, sign=False)
            elif query.get("access_token") not in self.state.tokens:
                self._reply(401, {"code": 40102, "msg": "invalid token"})
            else:
                self._reply(200, {"code": 0, "msg": "ok", "data": self.state.person})
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.state.received.append((self.path, body.decode(), dict(self.headers)))
        if self.path != "/token":
            self.send_error(404)
            return
        if not self._check_signature(body):
            self._reply(401, {"code": 40101, "msg": "invalid signature"}, sign=False)
            return
        data = json.loads(body)
        redirect_uri = self.state.codes.pop(data.get("code"), None)
        if redirect_uri is None or redirect_uri != data.get("redirect_uri"):
            self._reply(400, {"code": 40001, "msg": "invalid code"})
            return
        token = secrets.token_urlsafe(24)
        self.state.tokens.add(token)
        self._reply(200, {"code": 0, "msg": "ok", "data": {"access_token": token, "expires_in": 7200}})


class FakeGateway:
    def __init__(self, state: GatewayState):
        self.state = state
        handler = type("BoundHandler", (Handler,), {"state": state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
