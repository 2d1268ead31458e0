"""TestPlatform: Moodle 4.5's LTI side, served over HTTP on 127.0.0.1.

Shaped on tests/fixtures/moodle (recorded from Moodle 4.5.6): claim names and shapes of the id_tokens,
token.php's form-only input and ``text/html`` JSON answer, the AGS URL layout
with ``?type_id=``, the malformed line-items ``Link`` header (``&amp;`` and
curly quotes), 409 for a score timestamp not newer than the stored one *to the
second*, 400 ``[]`` for a learner who is not gradable, NRPS short role names
and well-formed paging, the dynamic-registration exchange.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import html
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from .keys import PlatformKey, verify_with_jwks

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
KNOWN_SCOPES = {AGS + "lineitem", AGS + "lineitem.readonly", AGS + "result.readonly", AGS + "score", NRPS_SCOPE}
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclasses.dataclass
class Tool:
    client_id: str
    deployment_ids: tuple
    login_url: str
    redirect_uris: list
    jwks_url: str
    type_id: int
    pending: bool = False


@dataclasses.dataclass
class User:
    user_id: str
    given_name: str
    family_name: str
    email: str
    username: str
    roles: list


@dataclasses.dataclass
class Intent:
    client_id: str
    user_id: str
    deployment_id: str
    course_id: str
    resource_link_id: str | None
    deep_link: bool


def _iso(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


class TestPlatform:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.key = PlatformKey()
        self._lock = threading.RLock()
        self.tools: dict[str, Tool] = {}
        self.courses: dict[str, dict] = {}
        self.users: dict[str, User] = {}
        self.enrolments: dict[tuple[str, str], list[str]] = {}
        self.resource_links: dict[tuple[str, str], dict] = {}
        self.lineitems: dict[int, dict] = {}
        self.results: dict[tuple[int, str], dict] = {}
        self.scores: list[dict] = []
        self.intents: dict[str, Intent] = {}
        self.access_tokens: dict[str, tuple[str, set, float]] = {}
        self.token_requests: list[dict] = []
        self.used_jtis: set[str] = set()
        self.registrations: list[dict] = []
        self.deep_link_responses: list[dict] = []
        self.request_counts: collections.Counter = collections.Counter()
        #: Score POSTs being answered now, per (line item, user); the most at once overall, and how
        #: often one learner's scores for one column overlapped (a tool must never send those at once).
        self._scores_in_flight: collections.Counter = collections.Counter()
        self.max_scores_in_flight = 0
        self.same_pair_in_flight = 0
        self.injections: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        #: Answers given to *every* request of a kind (``fault("scores", (429, {...}, ""))``), after injections.
        self.faults: dict[str, tuple] = {}
        #: Merged into the OpenID configuration document, to serve a hostile registration.
        self.openid_overrides: dict = {}
        #: Mutates the next id_token payload auth.php signs (one-shot), for tamper tests.
        self.next_id_token_hook = None
        self.token_lifetime = 3600
        self.response_delay = 0.0
        self.nrps_page_size: int | None = None
        #: Changes to every launch's launch_presentation claim; a None value drops the key. Moodle sends
        #: document_target "window" when it opens the tool in the whole window (phones), "iframe" when embedded.
        self.launch_presentation: dict = {}
        self.lineitems_page_size: int | None = None
        self._next_type_id = 1
        self._next_item_id = 1
        self.http = requests.Session()
        self.app = self._make_app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="test-lms")

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> TestPlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- registry --------------------------------------------------------------

    def add_tool(self, *, login_url: str, redirect_uris: list[str], jwks_url: str, deployment_ids=("1",),
                 client_id: str | None = None, pending: bool = False) -> str:
        with self._lock:
            client_id = client_id or secrets.token_urlsafe(11)[:15]
            type_id = self._next_type_id
            self._next_type_id += 1
            self.tools[client_id] = Tool(client_id, tuple(deployment_ids) or (str(type_id),), login_url,
                                         list(redirect_uris), jwks_url, type_id, pending)
            return client_id

    def add_course(self, course_id: str = "2", label: str = "LATSAR-CPNS-2026",
                   title: str = "Pelatihan Dasar LATSAR CPNS 2026") -> None:
        self.courses[course_id] = {"label": label, "title": title}

    def add_user(self, user_id: str, given_name: str, family_name: str, email: str, username: str,
                 roles: list[str], course_id: str | None = None) -> None:
        with self._lock:
            self.users[user_id] = User(user_id, given_name, family_name, email, username, list(roles))
            if course_id is not None:
                self.enrolments[(course_id, user_id)] = list(roles)

    def add_resource_link(self, course_id: str, resource_link_id: str, title: str, custom: dict | None = None,
                          lineitem: bool = True, type_id: int | None = None) -> None:
        with self._lock:
            item_id = self._create_lineitem(course_id, title, 100, resource_link_id=resource_link_id) if lineitem else None
            self.resource_links[(course_id, resource_link_id)] = {
                "title": title, "custom": dict(custom or {}), "lineitem": item_id, "type_id": type_id,
            }

    def _create_lineitem(self, course_id, label, maximum, *, resource_link_id=None, resource_id="", tag="") -> int:
        item_id = self._next_item_id
        self._next_item_id += 1
        self.lineitems[item_id] = {"course_id": course_id, "label": label, "scoreMaximum": maximum,
                                   "resourceId": resource_id or "", "tag": tag or "",
                                   "resourceLinkId": resource_link_id}
        return item_id

    # -- tokens ------------------------------------------------------------------

    def jwks(self) -> dict:
        return {"keys": [self.key.jwk()]}

    def public_key_pem(self) -> bytes:
        return self.key.public_pem()

    def rotate_key(self) -> None:
        self.key = PlatformKey()

    def sign(self, payload: dict, headers: dict | None = None) -> str:
        return self.key.sign(payload, headers)

    def services_url(self, path: str) -> str:
        return f"{self.url}/mod/lti/services.php/{path}"

    def lineitem_url(self, course_id: str, item_id: int, type_id: int) -> str:
        return self.services_url(f"{course_id}/lineitems/{item_id}/lineitem?type_id={type_id}")

    def memberships_url(self, course_id: str, type_id: int) -> str:
        return self.services_url(f"CourseSection/{course_id}/bindings/{type_id}/memberships")

    def make_id_token_payload(self, intent: Intent, nonce: str, locale: str = "id") -> dict:
        tool = self.tools[intent.client_id]
        user = self.users[intent.user_id]
        course = self.courses[intent.course_id]
        now = int(time.time())
        roles = self.enrolments.get((intent.course_id, intent.user_id)) or user.roles
        memberships = self.memberships_url(intent.course_id, tool.type_id)
        payload = {
            "nonce": nonce, "iat": now, "exp": now + 60, "iss": self.issuer, "aud": tool.client_id,
            CLAIM + "deployment_id": intent.deployment_id,
            CLAIM + "target_link_uri": tool.redirect_uris[0],
            "sub": user.user_id,
            CLAIM + "lis": {"person_sourcedid": "", "course_section_sourcedid": course["label"]},
            CLAIM + "roles": roles,
            CLAIM + "context": {"id": intent.course_id, "label": course["label"], "title": course["title"],
                                "type": ["CourseSection"]},
            CLAIM + "message_type": "LtiDeepLinkingRequest" if intent.deep_link else "LtiResourceLinkRequest",
            "given_name": user.given_name, "family_name": user.family_name,
            "name": f"{user.given_name} {user.family_name}",
            CLAIM + "ext": {"user_username": user.username, "lms": "moodle-2"},
            "email": user.email,
            CLAIM + "launch_presentation": {"locale": locale, "document_target": "iframe",
                                            "return_url": f"{self.url}/mod/lti/return.php?course={intent.course_id}"},
            CLAIM + "tool_platform": {"product_family_code": "moodle", "version": "2024100706",
                                      "guid": "test-lms", "name": "testlms", "description": "Test LMS"},
            CLAIM + "version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "result.readonly", AGS + "score"],
                "lineitems": self.services_url(f"{intent.course_id}/lineitems?type_id={tool.type_id}"),
            },
            CLAIM + "custom": {"context_memberships_url": memberships},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": memberships, "service_versions": ["1.0", "2.0"]},
        }
        if intent.deep_link:
            payload["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["frame", "iframe", "window"],
                "accept_copy_advice": False, "accept_multiple": True, "accept_unsigned": False, "auto_create": False,
                "can_confirm": False, "title": "Padu", "text": "",
                "deep_link_return_url": f"{self.url}/mod/lti/contentitem_return.php?course={intent.course_id}"
                                        f"&id={tool.type_id}&sesskey=test",
            }
            payload[CLAIM + "launch_presentation"] = {"locale": locale}
        else:
            link = self.resource_links[(intent.course_id, intent.resource_link_id)]
            payload[CLAIM + "resource_link"] = {"title": link["title"], "description": "", "id": intent.resource_link_id}
            payload[CLAIM + "custom"].update(link["custom"])
            if link["lineitem"] is not None:
                payload["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"] = self.lineitem_url(
                    intent.course_id, link["lineitem"], tool.type_id)
        presentation = payload[CLAIM + "launch_presentation"]
        presentation.update(self.launch_presentation)
        payload[CLAIM + "launch_presentation"] = {k: v for k, v in presentation.items() if v is not None}
        return payload

    def login_initiation_form(self, client_id: str, user_id: str, target_link_uri: str, *,
                              resource_link_id: str | None = None, deep_link: bool = False,
                              deployment_id: str = "1", course_id: str = "2") -> dict:
        launch_id = ("ltilaunch_ContentItemSelectionRequest" if deep_link else "ltilaunch1_") + str(secrets.randbelow(10**9))
        with self._lock:
            self.intents[launch_id] = Intent(client_id, user_id, deployment_id, course_id, resource_link_id, deep_link)
        hint = {"launchid": launch_id} if deep_link else {"cmid": 2, "launchid": launch_id}
        return {"iss": self.issuer, "target_link_uri": target_link_uri, "login_hint": user_id,
                "lti_message_hint": json.dumps(hint, separators=(",", ":")), "client_id": client_id,
                "lti_deployment_id": deployment_id}

    def start_registration(self, tool_register_url: str) -> str:
        now = int(time.time())
        token = self.sign({"sub": secrets.token_urlsafe(11)[:15], "scope": "reg", "iat": now, "exp": now + 3600})
        query = urlencode({"openid_configuration": self.url + "/mod/lti/openid-configuration.php",
                           "registration_token": token})
        return f"{tool_register_url}?{query}"

    def inject(self, kind: str, *responses) -> None:
        """The next requests of ``kind`` (scores, lineitems, token, nrps) get these answers first."""
        with self._lock:
            self.injections[kind].extend(responses)

    def fault(self, kind: str, answer) -> None:
        """Every request of ``kind`` gets ``answer`` from now on; ``None`` heals it.

        ``answer`` is a status, or ``(status, headers, body)`` where ``body`` may be a
        callable returning an iterable of bytes: streamed, for drips and floods."""
        with self._lock:
            if answer is None:
                self.faults.pop(kind, None)
            else:
                self.faults[kind] = answer

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens.clear()

    # -- HTTP ----------------------------------------------------------------------

    def _injected(self, kind: str) -> Response | None:
        with self._lock:
            self.request_counts[kind] += 1
            if self.injections[kind]:
                answer = self.injections[kind].popleft()
            elif kind in self.faults:
                answer = self.faults[kind]
            else:
                return None
        status, headers, body = (answer, {}, "") if isinstance(answer, int) else answer
        if callable(body):
            return Response(body(), status=status, headers=headers, direct_passthrough=True)
        return Response(body or "", status=status, headers=headers)

    def _bearer(self, scope: str) -> tuple[Tool | None, Response | None]:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None, Response("", 401)
        with self._lock:
            entry = self.access_tokens.get(auth[7:])
        if entry is None or entry[2] < time.time():
            return None, Response('{"status":401,"reason":"Invalid token"}', 401)
        if scope not in entry[1]:
            return None, Response("", 403)
        return self.tools[entry[0]], None

    def _make_app(self) -> Flask:  # noqa: C901 — one route table, read top to bottom
        app = Flask("test-lms")

        @app.get("/course/view.php")
        def course_page():
            """A course page that shows the tool in an iframe, like Moodle's "embed" container."""
            frame = request.args["frame"]
            return (f'<!doctype html><html lang="en"><head><title>Course</title></head><body><h1>Course</h1>'
                    f'<iframe id="tool" title="Padu" src="{html.escape(frame)}" width="900" height="700"></iframe>'
                    '</body></html>')

        @app.get("/mod/lti/launch.php")
        def launch_page():
            """Moodle's launch.php: an auto-submitting login initiation form (ltiInitiateLoginForm)."""
            args = request.args
            fields = self.login_initiation_form(args["client_id"], args["user_id"], args["target_link_uri"],
                                                resource_link_id=args.get("resource_link_id"),
                                                deep_link=args.get("deep_link") == "1")
            inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                             for k, v in fields.items())
            return (f'<!doctype html><html lang="en"><head><title>Launch</title></head><body>'
                    f'<form action="{html.escape(args["login_url"])}" name="ltiInitiateLoginForm" '
                    f'id="ltiInitiateLoginForm" method="post">{inputs}</form>'
                    '<script>document.ltiInitiateLoginForm.submit();</script></body></html>')

        @app.get("/mod/lti/certs.php")
        def certs():
            return jsonify(self.jwks())

        @app.get("/mod/lti/openid-configuration.php")
        def openid_configuration():
            self.request_counts["openid-configuration"] += 1
            return jsonify({
                "issuer": self.issuer,
                "token_endpoint": self.url + "/mod/lti/token.php",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "jwks_uri": self.url + "/mod/lti/certs.php",
                "authorization_endpoint": self.url + "/mod/lti/auth.php",
                "registration_endpoint": self.url + "/mod/lti/openid-registration.php",
                "scopes_supported": sorted(KNOWN_SCOPES) + ["openid"],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public", "pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "moodle", "version": "4.5.6 (Build: 20250811)",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                           {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]}],
                    "variables": []},
                **self.openid_overrides,
            })

        @app.route("/mod/lti/auth.php", methods=["GET", "POST"])
        def auth():
            params = request.values
            required = ("scope", "response_type", "response_mode", "prompt", "client_id", "redirect_uri",
                        "state", "nonce", "login_hint", "lti_message_hint")
            missing = [name for name in required if not params.get(name)]
            if missing:
                return f"invalid_request: missing {missing}", 400
            if (params["scope"], params["response_type"], params["response_mode"], params["prompt"]) != (
                    "openid", "id_token", "form_post", "none"):
                return "invalid_request: wrong OIDC parameters", 400
            tool = self.tools.get(params["client_id"])
            if tool is None:
                return "invalid_client", 400
            if params["redirect_uri"] not in tool.redirect_uris:
                return "invalid_request: redirect_uri not registered", 400
            try:
                hint = json.loads(params["lti_message_hint"])
            except ValueError:
                return "invalid_request: lti_message_hint", 400
            intent = self.intents.get(hint.get("launchid"))
            if intent is None or intent.user_id != params["login_hint"]:
                return "invalid_request: unknown launch", 400
            payload = self.make_id_token_payload(intent, params["nonce"])
            hook, self.next_id_token_hook = self.next_id_token_hook, None
            token = self.sign(payload) if hook is None else hook(self, payload)
            body = (f'<form action="{html.escape(params["redirect_uri"])}" name="ltiAuthForm" id="ltiAuthForm" '
                    f'method="post" enctype="application/x-www-form-urlencoded">'
                    f'<input type="hidden" name="id_token" value="{html.escape(token)}"/>'
                    f'<input type="hidden" name="state" value="{html.escape(params["state"])}"/></form>'
                    '<script>document.ltiAuthForm.submit();</script>')
            return Response(body, content_type="text/html; charset=utf-8")

        @app.post("/mod/lti/token.php")
        def token():
            injected = self._injected("token")
            if injected is not None:
                return injected
            if request.mimetype != "application/x-www-form-urlencoded":
                return _oauth_error("invalid_request")
            form = request.form
            if form.get("grant_type") != "client_credentials":
                return _oauth_error("unsupported_grant_type")
            assertion = form.get("client_assertion", "")
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" or not assertion:
                return _oauth_error("invalid_request")
            try:
                client_id = jwt.decode(assertion, options={"verify_signature": False}).get("sub")
            except jwt.DecodeError:
                return _oauth_error("invalid_request")
            tool = self.tools.get(client_id)
            if tool is None:
                return _oauth_error("invalid_client")
            try:
                claims = verify_with_jwks(assertion, tool.jwks_url, self.http, audience=self.url + "/mod/lti/token.php",
                                          issuer=tool.client_id, options={"require": ["exp", "iat", "jti", "sub"]})
            except jwt.InvalidTokenError:
                return Response(json.dumps({"error": "Signature verification failed"}), 400,
                                content_type="text/html; charset=utf-8")
            with self._lock:
                if claims["jti"] in self.used_jtis:
                    return _oauth_error("invalid_request")
                self.used_jtis.add(claims["jti"])
                granted = set(form.get("scope", "").split()) & KNOWN_SCOPES
                if not granted:
                    return _oauth_error("invalid_scope")
                access = secrets.token_hex(16)
                self.access_tokens[access] = (tool.client_id, granted, time.time() + self.token_lifetime)
                self.token_requests.append({"client_id": tool.client_id, "scope": sorted(granted)})
            body = {"access_token": access, "token_type": "Bearer", "expires_in": self.token_lifetime,
                    "scope": " ".join(sorted(granted))}
            return Response(json.dumps(body), 200, content_type="text/html; charset=utf-8")

        @app.route("/mod/lti/services.php/<course_id>/lineitems", methods=["GET", "POST"])
        def lineitems(course_id):
            injected = self._injected("lineitems")
            if injected is not None:
                return injected
            tool, refused = self._bearer(AGS + "lineitem")
            if refused is not None:
                return refused
            type_id = request.args.get("type_id", str(tool.type_id))
            if request.method == "POST":
                body = request.get_json(force=True, silent=True) or {}
                with self._lock:
                    item_id = self._create_lineitem(course_id, body.get("label", ""), body.get("scoreMaximum", 100),
                                                    resource_link_id=body.get("resourceLinkId"),
                                                    resource_id=body.get("resourceId", ""), tag=body.get("tag", ""))
                return Response(json.dumps(self._item_json(item_id, type_id)), 201,
                                content_type="application/vnd.ims.lis.v2.lineitem+json")
            items = [self._item_json(i, type_id) for i, item in sorted(self.lineitems.items())
                     if item["course_id"] == course_id
                     and (not request.args.get("tag") or item["tag"] == request.args["tag"])
                     and (not request.args.get("resource_id") or item["resourceId"] == request.args["resource_id"])
                     and (not request.args.get("resource_link_id")
                          or item["resourceLinkId"] == request.args["resource_link_id"])]
            limit = int(request.args.get("limit", self.lineitems_page_size or 0) or 0)
            start = int(request.args.get("from", 0))
            headers = {}
            if limit:
                page, more = items[start:start + limit], start + limit < len(items)
                base = f"{self.services_url(course_id + '/lineitems')}?type_id={type_id}&amp;limit={limit}"
                links = [f"<{base}&amp;from=0>; rel=“first”"]
                if more:
                    links.append(f"<{base}&amp;from={start + limit}>; rel=“next”")
                # PHP sends the curly quotes as UTF-8 bytes; WSGI headers are latin-1 strings.
                headers["Link"] = ", ".join(links).encode("utf-8").decode("latin-1")
                items = page
            return Response(json.dumps(items), 200, headers=headers,
                            content_type="application/vnd.ims.lis.v2.lineitemcontainer+json; charset=utf-8")

        @app.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem")
        def lineitem(course_id, item_id):
            tool, refused = self._bearer(AGS + "lineitem")
            if refused is not None:
                return refused
            if item_id not in self.lineitems:
                return Response("", 404)
            return jsonify(self._item_json(item_id, request.args.get("type_id", str(tool.type_id))))

        @app.post("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/scores")
        def scores(course_id, item_id):
            peek = request.get_json(force=True, silent=True)
            pair = (item_id, str(peek.get("userId", "")) if isinstance(peek, dict) else "")
            with self._lock:
                self._scores_in_flight[pair] += 1
                in_flight = sum(self._scores_in_flight.values())
                self.max_scores_in_flight = max(self.max_scores_in_flight, in_flight)
                if self._scores_in_flight[pair] > 1:
                    self.same_pair_in_flight += 1
            try:
                return score(course_id, item_id)
            finally:
                with self._lock:
                    self._scores_in_flight[pair] -= 1

        def score(course_id, item_id):
            if self.response_delay:
                time.sleep(self.response_delay)
            injected = self._injected("scores")
            if injected is not None:
                return injected
            _tool, refused = self._bearer(AGS + "score")
            if refused is not None:
                return refused
            if request.content_type != SCORE_TYPE:
                return Response('{"status":400,"reason":"No handler found for ' + str(request.content_type) + '"}', 400)
            body = request.get_json(force=True, silent=True)
            if not isinstance(body, dict) or item_id not in self.lineitems:
                return Response("[]", 400)
            user_id = str(body.get("userId", ""))
            roles = self.enrolments.get((course_id, user_id), [])
            if LEARNER not in roles:
                return Response("[]", 400, headers={"X-Reason": "Incorrect score received" + json.dumps(body)})
            with self._lock:
                stored = self.results.get((item_id, user_id))
                sent = int(_iso(body["timestamp"]).timestamp())
                # Moodle compares with the time it saved the previous score (and
                # the captures show the same second is refused too).
                if stored is not None and (sent <= int(_iso(stored["timestamp"]).timestamp())
                                           or sent <= int(stored["saved_at"])):
                    return Response("[]", 409)
                record = dict(body, lineitem=item_id, saved_at=time.time())
                if body.get("gradingProgress") != "FullyGraded":
                    record["grade"] = None
                self.results[(item_id, user_id)] = record
                self.scores.append(record)
            return Response("", 200)

        @app.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/results")
        def results(course_id, item_id):
            _tool, refused = self._bearer(AGS + "result.readonly")
            if refused is not None:
                return refused
            return jsonify([dict(userId=u, resultScore=r.get("scoreGiven"), resultMaximum=r.get("scoreMaximum"))
                            for (i, u), r in self.results.items() if i == item_id])

        @app.get("/mod/lti/services.php/CourseSection/<course_id>/bindings/<int:type_id>/memberships")
        def memberships(course_id, type_id):
            injected = self._injected("nrps")
            if injected is not None:
                return injected
            _tool, refused = self._bearer(NRPS_SCOPE)
            if refused is not None:
                return refused
            members = []
            for (course, user_id), roles in sorted(self.enrolments.items()):
                if course != course_id:
                    continue
                user = self.users[user_id]
                members.append({"user_id": user_id, "roles": [r.rsplit("#", 1)[-1] for r in roles],
                                "status": "Active", "name": f"{user.given_name} {user.family_name}",
                                "given_name": user.given_name, "family_name": user.family_name,
                                "email": user.email, "ext_user_username": user.username})
            limit = int(request.args.get("limit", self.nrps_page_size or 0) or 0)
            start = int(request.args.get("from", 0))
            headers = {}
            if limit:
                if start + limit < len(members):
                    headers["Link"] = (f"<{self.memberships_url(course_id, type_id)}?limit={limit}&from={start + limit}>;"
                                       ' rel="next"')
                members = members[start:start + limit]
            course = self.courses[course_id]
            body = {"id": request.url, "context": {"id": course_id, "label": course["label"], "title": course["title"]},
                    "members": members}
            return Response(json.dumps(body), 200, headers=headers,
                            content_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json; charset=utf-8")

        @app.post("/mod/lti/openid-registration.php")
        def registration():
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return jsonify({"error": "missing registration token"}), 401
            try:
                claims = jwt.decode(auth[7:], self.key.private_key.public_key(), algorithms=["RS256"])
            except jwt.InvalidTokenError:
                return jsonify({"error": "invalid registration token"}), 401
            body = request.get_json(silent=True)
            config = (body or {}).get("https://purl.imsglobal.org/spec/lti-tool-configuration")
            if not isinstance(body, dict) or not isinstance(config, dict) or not body.get("initiate_login_uri") \
                    or not body.get("redirect_uris") or not body.get("jwks_uri") \
                    or body.get("token_endpoint_auth_method") != "private_key_jwt":
                return jsonify({"error": "invalid_client_metadata"}), 400
            client_id = claims["sub"]
            self.add_tool(login_url=body["initiate_login_uri"], redirect_uris=body["redirect_uris"],
                          jwks_url=body["jwks_uri"], deployment_ids=(), client_id=client_id, pending=True)
            tool = self.tools[client_id]
            tool.deployment_ids = (str(tool.type_id),)
            self.registrations.append(body)
            answer = dict(body, client_id=client_id)
            answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = dict(
                config, version="1.3.0", deployment_id=str(tool.type_id),
                messages=[{k: v for k, v in m.items() if k != "label"} for m in config.get("messages", [])])
            return jsonify(answer)

        @app.post("/mod/lti/contentitem_return.php")
        def contentitem_return():
            token = request.form.get("JWT", "")
            try:
                header = jwt.get_unverified_header(token)
                unverified = jwt.decode(token, options={"verify_signature": False})
                tool = self.tools[unverified["iss"]]
                payload = verify_with_jwks(token, tool.jwks_url, self.http, audience=self.issuer,
                                           issuer=tool.client_id, options={"require": ["exp", "iat", "nonce"]})
            except (jwt.InvalidTokenError, KeyError) as error:
                return f"invalid deep linking response: {error}", 400
            if not header.get("kid"):
                return "kid required", 400
            if payload.get(CLAIM + "message_type") != "LtiDeepLinkingResponse" or payload.get(CLAIM + "version") != "1.3.0":
                return "wrong message type or version", 400
            if payload.get(CLAIM + "deployment_id") not in tool.deployment_ids:
                return "unknown deployment", 400
            self.deep_link_responses.append(payload)
            return "<p>Content selected</p>"

        return app

    def _item_json(self, item_id: int, type_id) -> dict:
        item = self.lineitems[item_id]
        result = {"id": self.lineitem_url(item["course_id"], item_id, type_id), "label": item["label"],
                  "scoreMaximum": item["scoreMaximum"], "resourceId": item["resourceId"], "tag": item["tag"]}
        if item["resourceLinkId"]:
            result["resourceLinkId"] = result["ltiLinkId"] = item["resourceLinkId"]
        return result


def _oauth_error(code: str) -> Response:
    return Response(json.dumps({"error": code}), 400, content_type="text/html; charset=utf-8")


def split_url(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
