"""The one place that reads Padu's settings.

Order of precedence, lowest first: the defaults below, an optional TOML file
(``PADU_CONFIG`` names it, keys are the field names), then ``PADU_*``
environment variables. Nothing else in the project reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import stat
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "PADU_"

log = logging.getLogger("padu.config")


class SettingsError(ValueError):
    """A setting has a value Padu cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    #: Folder for the SQLite file, the tool keys, uploads and the generated secret.
    data_dir: Path = Path("instance")
    #: Public URL of this Padu, used in every URL Padu hands out (no trailing slash).
    base_url: str = "http://127.0.0.1:5000"
    #: SQLAlchemy URL; empty means SQLite in the data folder.
    database_url: str = ""
    #: Optional Redis URL for caches shared between processes.
    redis_url: str = ""
    #: Signs launch-session tokens and CSRF tokens; generated and kept in the data folder if unset.
    secret_key: str = ""
    #: How long a launch session stays valid after the launch, in seconds.
    session_lifetime: int = 8 * 3600
    #: A launch session unused this many seconds has ended, even inside its lifetime.
    session_idle_seconds: int = 2 * 3600
    #: OIDC login initiations accepted per client address per minute (0: no limit).
    login_rate_per_minute: int = 30
    #: Seconds of clock skew accepted on id_token ``iat``/``exp``.
    jwt_leeway: int = 30
    #: Largest request body accepted outside uploads (an id_token POST is a few KB).
    max_form_bytes: int = 256 * 1024
    #: Largest upload accepted, in bytes.
    max_upload_bytes: int = 10 * 1024 * 1024
    #: Seconds between polls of the worker for due jobs.
    worker_poll_seconds: float = 2.0
    #: Run the worker (grade delivery, roster refreshes) as a thread inside ``padu serve``.
    embedded_worker: bool = True
    #: Seconds a platform's JWKS stays cached.
    jwks_cache_seconds: int = 3600
    #: Minimum seconds between two JWKS refetches of one platform on an unknown ``kid``.
    jwks_refetch_interval: int = 10
    #: Seconds before a staff page asks the worker to refresh a course's NRPS roster again.
    roster_cache_seconds: int = 600
    #: Trust ``X-Forwarded-*`` headers from this many proxies.
    proxy_count: int = 0
    #: Total seconds one call to a platform may take (connect, send, the whole answer).
    http_timeout: float = 10.0
    #: Let anyone start LTI Dynamic Registration at ``/lti/register`` (no invitation needed).
    open_registration: bool = False
    #: Hosts, IPs or CIDRs Padu may call although they are loopback or private (comma-separated).
    outbound_allow_hosts: str = ""
    #: Ports Padu may call besides 80 and 443 (comma-separated), or ``*`` for any.
    outbound_allow_ports: str = ""
    #: Log level name.
    log_level: str = "INFO"
    #: Newer versions of a learner's coaching work whose files are kept before the daily sweep
    #: removes an older, unreviewed version's files (the current and reviewed versions always stay).
    keep_superseded_versions: int = 3
    #: Meetings planned longer than this many hours get a warning (LAN's evaluations: over-long sessions).
    meeting_max_hours: float = 3.0
    #: Minutes before a meeting's start and after its end during which learners can check in.
    check_in_window_minutes: int = 15
    #: A check-in this many minutes after the meeting's start (or later) is recorded as late.
    check_in_late_minutes: int = 10
    #: Check-in tries a learner has per meeting in ten minutes (wrong codes included).
    check_in_tries: int = 5
    extra: dict = field(default_factory=dict)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Operators paste "postgresql://..."; psycopg 3 is the driver we ship.
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.data_dir / 'padu.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def url(self, path: str) -> str:
        """An absolute public URL for ``path`` (which starts with ``/``)."""
        return self.base_url + path


def _coerce(name: str, raw, target_type):
    if target_type is bool or target_type == "bool":
        if isinstance(raw, bool):
            return raw
        value = str(raw).strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if target_type in (int, "int"):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    if target_type in (float, "float"):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a number, not {raw!r}") from None
    if target_type in (Path, "Path"):
        return Path(raw)
    return str(raw)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from defaults, the optional TOML file and the environment.

    ``overrides`` win over everything; tests use them instead of touching the
    process environment.
    """
    environ = os.environ if environ is None else environ
    values: dict = {}
    config_file = overrides.pop("config_file", None) or environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                values.update(tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read {ENV_PREFIX}CONFIG file {config_file}: {exc}") from exc
    known = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}
    for name in known:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = environ[env_name]
    values.update(overrides)
    unknown = set(values) - set(known)
    if unknown:
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    kwargs = {name: _coerce(name, raw, known[name].type) for name, raw in values.items()}
    settings = Settings(**kwargs)
    settings = dataclasses.replace(settings, base_url=settings.base_url.rstrip("/"))
    if not settings.base_url.startswith(("http://", "https://")):
        raise SettingsError(f"{ENV_PREFIX}BASE_URL must start with http:// or https://, not {settings.base_url!r}")
    if settings.keep_superseded_versions < 0:
        raise SettingsError(f"{ENV_PREFIX}KEEP_SUPERSEDED_VERSIONS must be 0 or more, not {settings.keep_superseded_versions}")
    for name in ("check_in_window_minutes", "check_in_late_minutes"):
        if getattr(settings, name) < 0:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be 0 or more, not {getattr(settings, name)}")
    if settings.check_in_tries < 1:
        raise SettingsError(f"{ENV_PREFIX}CHECK_IN_TRIES must be 1 or more, not {settings.check_in_tries}")
    if not settings.meeting_max_hours > 0:
        raise SettingsError(f"{ENV_PREFIX}MEETING_MAX_HOURS must be more than 0, not {settings.meeting_max_hours}")
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=_stored_secret(settings.data_dir))
    return settings


def _stored_secret(data_dir: Path) -> str:
    """The secret kept in the data folder, made on first use.

    Several processes may start at once (gunicorn workers): the file is created
    exclusively, and a loser of that race reads the winner's secret.
    """
    path = data_dir / "secret_key"
    private_dir(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.02)
        raise SettingsError(f"{path} is empty; delete it or set {ENV_PREFIX}SECRET_KEY") from None
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret


# The data folder holds the SQLite database (with Padu's private RSA key,
# personal data and launch sessions), uploaded evidence and the secret: only
# Padu's own user may read it. Modes are set with chmod, not through the umask,
# so an operator's umask 000 cannot open them up.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private(path: Path) -> str | None:
    """Take group and other permissions off ``path`` if it has any.

    Returns what was changed ("path: 0644 -> 0600") for the log, or None.
    """
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if not current & 0o077:
        return None
    wanted = PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE
    try:
        os.chmod(path, wanted)
    except PermissionError:
        # Owned by another user (say root made the folder): Padu can still run,
        # and the operator must fix it; starting refused would help no one.
        log.error("%s is readable by other users (%04o) and Padu may not change it: chmod %04o it",
                  path, current, wanted)
        return None
    return f"{path}: {current:04o} -> {wanted:04o}"


def private_dir(path: Path) -> None:
    """Make the folder ``path`` (and missing parents) if missing, the folder itself 0700.

    An existing folder is left as it is: :func:`secure_data_dir` tightens it and
    says so in the log.
    """
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)


def secure_data_dir(settings: Settings) -> list[str]:
    """Make or tighten the data folder and what it holds; log and return what was loosened before.

    Run at every start, so a folder made by an older Padu (0755, files 0644) is
    fixed. The SQLite file itself is handled where it is opened
    (``activities.db.make_engine``), which covers a database outside the folder.
    """
    private_dir(settings.data_dir)
    private_dir(settings.uploads_dir)
    paths = (settings.data_dir, settings.uploads_dir, settings.keys_dir, settings.data_dir / "secret_key")
    fixed = [change for change in map(make_private, paths) if change]
    for change in fixed:
        log.warning("was readable by other users, made private: %s", change)
    return fixed
