"""The one place that reads Padu's settings.

Order of precedence, lowest first: the defaults below, an optional TOML file
(``PADU_CONFIG`` names it, keys are the field names), then ``PADU_*``
environment variables. Nothing else in the project reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "PADU_"


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
    #: Seconds of clock skew accepted on id_token ``iat``/``exp``.
    jwt_leeway: int = 30
    #: Largest request body accepted outside uploads (an id_token POST is a few KB).
    max_form_bytes: int = 256 * 1024
    #: Largest upload accepted, in bytes.
    max_upload_bytes: int = 10 * 1024 * 1024
    #: Seconds between outbox polls of the grade worker.
    worker_poll_seconds: float = 2.0
    #: Run the grade worker as a thread inside ``padu serve``.
    embedded_worker: bool = True
    #: Seconds a platform's JWKS stays cached.
    jwks_cache_seconds: int = 3600
    #: Minimum seconds between two JWKS refetches of one platform on an unknown ``kid``.
    jwks_refetch_interval: int = 10
    #: Seconds an NRPS roster stays cached.
    roster_cache_seconds: int = 600
    #: Trust ``X-Forwarded-*`` headers from this many proxies.
    proxy_count: int = 0
    #: Total seconds one call to a platform may take (connect, send, the whole answer).
    http_timeout: float = 10.0
    #: Hosts, IPs or CIDRs Padu may call although they are loopback or private (comma-separated).
    outbound_allow_hosts: str = ""
    #: Ports Padu may call besides 80 and 443 (comma-separated), or ``*`` for any.
    outbound_allow_ports: str = ""
    #: Log level name.
    log_level: str = "INFO"
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


def load_settings(environ: dict | None = None, **overrides) -> Settings:
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
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=_stored_secret(settings.data_dir))
    return settings


def _stored_secret(data_dir: Path) -> str:
    """The secret kept in the data folder, made on first use.

    Several processes may start at once (gunicorn workers): the file is created
    exclusively, and a loser of that race reads the winner's secret.
    """
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.02)
        raise SettingsError(f"{path} is empty; delete it or set {ENV_PREFIX}SECRET_KEY")
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret
