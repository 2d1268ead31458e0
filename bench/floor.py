"""The floor of the launch benchmark: the least an LTI 1.3 tool can do per launch.

Bare Flask; the login state and nonce travel in an HMAC-signed cookie (no
database); the launch does one ``jwt.decode`` against the platform key fetched
once at start, and hands out an HMAC-signed session cookie; the first page reads
it. Nothing is stored. ``bench/launch.py`` runs it under the same gunicorn as
Padu, so Padu's figures read as a ratio of this one.

    FLOOR_ISSUER=… FLOOR_CLIENT_ID=… FLOOR_BASE_URL=… gunicorn -w 2 -k sync bench.floor:app
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import urllib.request
from urllib.parse import urlencode

import jwt
from flask import Flask, abort, redirect, request

ISSUER = os.environ.get("FLOOR_ISSUER", "")
CLIENT_ID = os.environ.get("FLOOR_CLIENT_ID", "")
BASE_URL = os.environ.get("FLOOR_BASE_URL", "")
SECRET = os.environ.get("FLOOR_SECRET", "floor-secret").encode()


def _platform_key():
    with urllib.request.urlopen(ISSUER + "/mod/lti/certs.php", timeout=10) as answer:
        jwk = json.load(answer)["keys"][0]
    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))


KEY = _platform_key() if ISSUER else None
app = Flask(__name__)


def _sign(value: str) -> str:
    return value + "." + hmac.new(SECRET, value.encode(), hashlib.sha256).hexdigest()


def _unsign(signed: str) -> str:
    value, _, mac = signed.rpartition(".")
    if not value or not hmac.compare_digest(mac, hmac.new(SECRET, value.encode(), hashlib.sha256).hexdigest()):
        abort(400)
    return value


@app.post("/lti/login")
def login():
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    query = urlencode({
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": CLIENT_ID, "redirect_uri": BASE_URL + "/lti/launch", "state": state, "nonce": nonce,
        "login_hint": request.form["login_hint"], "lti_message_hint": request.form.get("lti_message_hint", ""),
    })
    response = redirect(ISSUER + "/mod/lti/auth.php?" + query, code=302)
    response.set_cookie("floor_state", _sign(f"{state}:{nonce}"), httponly=True, samesite="Lax")
    return response


@app.post("/lti/launch")
def launch():
    state, _, nonce = _unsign(request.cookies.get("floor_state", "")).partition(":")
    if not hmac.compare_digest(state, request.form.get("state", "")):
        abort(400)
    claims = jwt.decode(request.form["id_token"], KEY, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)
    if claims.get("nonce") != nonce:
        abort(400)
    response = redirect("/page", code=303)
    response.set_cookie("floor_session", _sign(claims["sub"]), httponly=True, samesite="Lax")
    response.delete_cookie("floor_state")
    return response


@app.get("/page")
def page():
    sub = _unsign(request.cookies.get("floor_session", ""))
    return f"<!doctype html><title>Floor</title><p>Hello {sub}</p>"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
