"""The HTTP side of Moodle's REST web services: one POST per call, retried when
the failure was in the transport and never when Moodle itself said no.

Every call goes through Padu's guarded HTTP client (``lti_tool.outbound``, which
imports no Flask): allowed addresses and ports only, one total deadline per
call, the answer capped at ``max_bytes``."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import requests
from urllib3.exceptions import NewConnectionError

from lti_tool.outbound import CannotConnect, GuardedSession, OutboundRefused, Policy, ResponseTooLarge

from .decode import decode_body
from .errors import TransportError
from .params import flatten

log = logging.getLogger(__name__)

SERVER_PATH = "/webservice/rest/server.php"
_RESERVED = frozenset({"wstoken", "wsfunction", "moodlewsrestformat"})
#: Where a client without its own session may connect (public addresses, ports 80 and 443).
DEFAULT_POLICY = Policy()
#: A large course's enrolled users with their details run to a few MB.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class MoodleClient:
    """A client of one Moodle site's REST server, authenticated by a web-service
    token (Site administration > Server > Web services > Manage tokens).

    The token travels only in the POST body, never in the URL, so it stays out
    of access logs, proxies and every message this client logs or raises.
    ``retries`` is the number of repeats after the first attempt; the delay
    before repeat *n* (from 0) is ``backoff * 2**n`` seconds. ``timeout`` is
    the total seconds of one attempt. A given ``session`` must be a
    ``GuardedSession`` (Padu's runtime has one configured from the settings).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10,
        retries: int = 3,
        backoff: float = 0.5,
        session: GuardedSession | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the Moodle base URL must start with http:// or https://, not {base_url!r}")
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff cannot be negative")
        if session is not None and not isinstance(session, GuardedSession):
            raise TypeError("session must be a lti_tool.outbound.GuardedSession")
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + SERVER_PATH
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._token = token
        self._owns_session = session is None
        self.max_bytes = max_bytes
        self._session = session if session is not None else GuardedSession(DEFAULT_POLICY, timeout=timeout)

    def __repr__(self) -> str:
        return f"<MoodleClient {self.base_url}>"

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if this client made it."""
        if self._owns_session:
            self._session.close()

    def call(self, wsfunction: str, /, **params: object) -> object:
        """Run ``wsfunction`` with ``params`` and return Moodle's decoded JSON.

        ``client.call("core_group_add_group_members", members=[{"groupid": 1,
        "userid": 4}])``. Nested lists and dicts are sent the PHP way (see
        :func:`moodle_client.params.flatten`). Every transport failure is
        retried; for a function that creates something use
        :meth:`post` with ``idempotent=False``.
        """
        return self.post(wsfunction, params)

    def post(self, wsfunction: str, params: Mapping[str, object] | None = None, *, idempotent: bool = True) -> object:
        """Like :meth:`call`, with the parameters as a mapping.

        With ``idempotent=False`` a failure after which Moodle may have run the
        function (a read timeout, a 500, a garbled body) is not repeated, so a
        message is not sent twice; failures where it certainly did not run
        (no connection, 503) still are.
        """
        params = dict(params or {})
        if _RESERVED & params.keys():
            raise ValueError(f"{', '.join(sorted(_RESERVED & params.keys()))} is set by the client")
        fields = [("wstoken", self._token), ("wsfunction", wsfunction), ("moodlewsrestformat", "json")]
        fields += flatten(params)
        attempt = 0
        while True:
            try:
                return self._post_once(wsfunction, fields)
            except TransportError as error:
                if not self._should_retry(error, attempt, idempotent):
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning("%s: %s; retry %d of %d in %.2f s", wsfunction, error.message, attempt, self.retries, delay)
                time.sleep(delay)

    def _should_retry(self, error: TransportError, attempt: int, idempotent: bool) -> bool:
        if attempt >= self.retries or not error.retryable:
            return False
        return idempotent or not error.maybe_processed

    def _post_once(self, wsfunction: str, fields: list[tuple[str, str]]) -> object:
        started = time.monotonic()
        try:
            response = self._session.post(
                self.url,
                data=fields,
                timeout=self.timeout,
                # A redirected POST comes back as a GET without the form, and
                # Moodle would answer that with a misleading invalidtoken.
                allow_redirects=False,
                headers={"Accept": "application/json"},
                max_bytes=self.max_bytes,
            )
        except OutboundRefused as error:
            raise TransportError(
                f"{wsfunction}: {error.reason}", retryable=False, maybe_processed=False, wsfunction=wsfunction
            ) from error
        except ResponseTooLarge as error:
            raise TransportError(
                f"{wsfunction}: {error.reason}", retryable=False, maybe_processed=True, wsfunction=wsfunction
            ) from error
        except requests.exceptions.SSLError as error:
            raise TransportError(
                f"{wsfunction}: TLS failed: {error}", retryable=False, maybe_processed=False, wsfunction=wsfunction
            ) from error
        except requests.RequestException as error:
            raise TransportError(
                f"{wsfunction}: {type(error).__name__}: {error}",
                maybe_processed=not _never_connected(error),
                wsfunction=wsfunction,
            ) from error
        log.debug("%s: HTTP %d in %.3f s", wsfunction, response.status_code, time.monotonic() - started)
        _check_status(response, wsfunction)
        return decode_body(response.content, wsfunction)


def _check_status(response: requests.Response, wsfunction: str) -> None:
    """Moodle's REST server answers 200 even for its own errors, so any other
    status comes from PHP, the web server or a proxy in front of Moodle."""
    status = response.status_code
    if status == 200:
        return
    if status >= 500:
        # 503 is maintenance mode or a proxy without a backend: nothing ran.
        raise TransportError(
            f"{wsfunction}: HTTP {status}", status=status, maybe_processed=status != 503, wsfunction=wsfunction
        )
    location = response.headers.get("Location")
    hint = f" to {location} (use that as the base URL)" if location and 300 <= status < 400 else ""
    raise TransportError(f"{wsfunction}: HTTP {status}{hint}", status=status, retryable=False, wsfunction=wsfunction)


def _never_connected(error: requests.RequestException) -> bool:
    """True when the request never reached the server (refused, DNS failure,
    connect timeout); False when it may have arrived (read timeout, reset)."""
    if isinstance(error, (CannotConnect, requests.exceptions.ConnectTimeout)):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), NewConnectionError)
    return False
