"""The ``padu`` command: serve, worker, database, platforms, keys, grades."""

from __future__ import annotations

import datetime as dt
import logging
import sys

import click

from config import SettingsError, load_settings

from .server import DEFAULT_THREADS


def _settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _session(settings):
    from activities.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings.sqlalchemy_url))()


@click.group()
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING …")
def main(log_level):
    """Padu: blended-learning activities for Moodle, over LTI 1.3."""
    level = log_level or "INFO"
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=int, help="Request threads per process.")
@click.option("--processes", default=None, type=click.IntRange(1, 64),
              help="Serving processes on one socket  [default: one per core, at most 4]")
def serve(host, port, threads, processes):
    """Run Padu on one machine: web server processes, and the worker as a thread."""
    from .migrations import upgrade
    from .server import serve as run_server

    settings = _settings()
    if settings.is_sqlite:
        upgrade(settings)
    session = _session(settings)
    try:
        for line in start_banner(settings, session):
            click.echo(line)
    finally:
        session.close()
        session.get_bind().dispose()  # no pooled connection carried into the server's worker
    run_server(settings, host=host, port=port, threads=threads, processes=processes)


#: How long the invitation ``padu serve`` prints on an empty instance stays valid.
FIRST_INVITATION_LIFETIME = dt.timedelta(hours=24)


def start_banner(settings, session) -> list[str]:
    """What ``padu serve`` prints at start: how to connect a Moodle.

    On an instance with no platform yet it makes (and commits) a fresh
    invitation, so that the first run stays two commands: ``padu serve``, then
    paste the printed URL into Moodle. Later starts make none: an unused
    invitation would otherwise be minted on every restart.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .lti1p3 import invitations
    from .lti1p3.registry import list_platforms

    lines = ["", "Padu is starting. To connect a Moodle site:"]
    if settings.open_registration:
        lines.append(f"  Dynamic Registration URL : {settings.url('/lti/register')}  (open to anyone: PADU_OPEN_REGISTRATION)")
    else:
        try:
            empty = not list_platforms(session)
            invite = invitations.create(session, settings, lifetime=FIRST_INVITATION_LIFETIME,
                                        note="first run (padu serve)") if empty else None
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            logging.getLogger(__name__).warning("cannot make an invitation (run `padu db upgrade`?): %s", error)
            invite = None
        if invite is not None:
            lines.append(f"  Dynamic Registration URL : {invite.url}")
            lines.append("    (one use, valid 24 hours; more with `padu platform invite`)")
        else:
            lines.append("  Dynamic Registration     : run `padu platform invite` for a one-time URL")
    lines += [
        "  or, for manual configuration:",
        f"  Tool URL / Redirection URI: {settings.url('/lti/launch')}",
        f"  Initiate login URL        : {settings.url('/lti/login')}",
        f"  Public keyset URL         : {settings.url('/.well-known/jwks.json')}",
        f"  Database                  : {settings.sqlalchemy_url.split('@')[-1]}",
        "",
    ]
    return lines


@main.command()
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
def worker(once):
    """Run the jobs: grade delivery, roster refreshes (run any number of these next to PostgreSQL)."""
    from .runtime import Runtime
    from .worker import run_forever, run_once

    runtime = Runtime.build(_settings())
    if once:
        click.echo(f"ran or settled {run_once(runtime)} job(s)")
    else:
        run_forever(runtime)


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Bring the database schema up to date (Alembic)."""
    from .migrations import upgrade

    settings = _settings()
    upgrade(settings)
    click.echo("database is up to date")


@main.group()
def platform():
    """Moodle sites (LTI platforms) Padu accepts launches from."""


@platform.command("add")
@click.option("--issuer", required=True, help="Moodle's Platform ID, e.g. https://lms.example.go.id")
@click.option("--client-id", required=True, help="Moodle's Client ID for Padu")
@click.option("--auth-login-url", help="Authentication request URL (default: ISSUER/mod/lti/auth.php)")
@click.option("--token-url", help="Access token URL (default: ISSUER/mod/lti/token.php)")
@click.option("--keyset-url", help="Public keyset URL (default: ISSUER/mod/lti/certs.php)")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="Deployment ID (repeatable)")
@click.option("--name", default="", help="A name for people, e.g. the agency")
def platform_add(issuer, client_id, auth_login_url, token_url, keyset_url, deployment_ids, name):
    """Register a Moodle by hand, with the values Moodle shows for the tool."""
    from .lti1p3.registry import RegistryError, add_platform

    settings = _settings()
    issuer = issuer.rstrip("/")
    session = _session(settings)
    try:
        added = add_platform(
            session, issuer=issuer, client_id=client_id,
            auth_login_url=auth_login_url or f"{issuer}/mod/lti/auth.php",
            auth_token_url=token_url or f"{issuer}/mod/lti/token.php",
            key_set_url=keyset_url or f"{issuer}/mod/lti/certs.php",
            deployment_ids=deployment_ids, name=name,
        )
        session.commit()
    except RegistryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"platform {added.id}: {added.issuer} client_id={added.client_id} deployments={','.join(added.deployment_ids)}")


@platform.command("invite")
@click.option("--note", default="", help="Who the invitation is for, e.g. the agency (shown by `platform list`)")
@click.option("--expires", default="7d", show_default=True, help="How long it stays valid: 30m, 24h, 7d …")
def platform_invite(note, expires):
    """Make a one-time Dynamic Registration URL (printed as the last line)."""
    from .lti1p3 import invitations

    settings = _settings()
    try:
        lifetime = invitations.parse_duration(expires)
        session = _session(settings)
        made = invitations.create(session, settings, lifetime=lifetime, note=note)
        session.commit()
    except invitations.InvitationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"invitation {made.invite.id}, valid until {made.invite.expires_at:%Y-%m-%d %H:%M} UTC, one use.")
    click.echo("Paste this URL into Moodle's Tool URL box (Manage tools) and press Add LTI Advantage:")
    click.echo(made.url)


def registered_how(platform, invite) -> str:
    """How ``platform`` came to be registered, for ``platform list``."""
    if platform.registered_by != "dynamic":
        return "by hand (padu platform add)"
    if invite is None:
        return "dynamic registration, open (no invitation)"
    return f"dynamic registration, invitation {invite.id}" + (f" ({invite.note})" if invite.note else "")


@platform.command("list")
def platform_list():
    """Show the registered platforms and how each was registered."""
    from .lti1p3.invitations import by_platform
    from .lti1p3.registry import list_platforms

    session = _session(_settings())
    platforms = list_platforms(session)
    invites = by_platform(session)
    if not platforms:
        click.echo("no platforms registered yet")
    for p in platforms:
        click.echo(f"{p.id}\t{_shown(p.issuer)}\t{_shown(p.client_id)}\tdeployments={_shown(','.join(p.deployment_ids))}"
                   f"\t{registered_how(p, invites.get(p.id))}\t{_shown(p.name)}")


def _shown(value: str) -> str:
    """A value a platform sent (Dynamic Registration), as is if printable, else escaped: no terminal escapes."""
    from .logsafe import clean

    return value if value.isprintable() else clean(value)


@platform.command("remove")
@click.argument("platform_id", type=int)
@click.confirmation_option(prompt="Remove this platform and every course, activity and result of it?")
def platform_remove(platform_id):
    """Remove a platform and all its data."""
    from .lti1p3.registry import RegistryError, remove_platform

    session = _session(_settings())
    try:
        removed = remove_platform(session, platform_id)
        session.commit()
    except RegistryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"removed platform {platform_id} ({removed.issuer})")


@platform.command("set-ws")
@click.argument("platform_id", type=int)
@click.option("--token", default=None, help="The Moodle web-services token (asked for, hidden, when left out)")
@click.option("--clear", is_flag=True, help="Forget the platform's token")
def platform_set_ws(platform_id, token, clear):
    """Give a platform a Moodle web-services token (checked at once, stored encrypted, never shown again)."""
    from .models import Platform
    from .moodle import connection
    from .runtime import guarded_session

    settings = _settings()
    session = _session(settings)
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise click.ClickException(f"no platform {platform_id} (see `padu platform list`)")
    if clear:
        cleared = connection.clear(session, platform_id)
        session.commit()
        click.echo(f"platform {platform_id}: web-services token removed" if cleared
                   else f"platform {platform_id} had no web-services token")
        return
    if token is None:
        token = click.prompt("Web-services token", hide_input=True)
    token = token.strip()
    if not token:
        raise click.ClickException("the token is empty")
    http = guarded_session(settings)
    try:
        result = connection.check(platform, token, http, settings.http_timeout)
    except connection.ConnectionRefused as error:
        raise click.ClickException(f"the token was not stored: {error.reason}") from error
    finally:
        http.close()
    connection.store(session, settings.secret_key, platform, token, result)
    session.commit()
    click.echo(f"platform {platform_id}: web-services token stored (encrypted) for {_shown(result.site_name)}, "
               f"Moodle {_shown(result.release)}")
    if result.missing:
        click.echo(f"The token's service lacks {len(result.missing)} function(s) Padu needs: "
                   f"{', '.join(result.missing)}")
        click.echo(result.admin_steps)
    else:
        click.echo("The token's service has every function Padu needs.")


@main.command()
@click.option("--course", "course_id", type=int, required=True, help="Padu's course id")
def sync(course_id):
    """Read one course from its Moodle now (activities, completion, grades, groups), as the worker does."""
    from activities.core import Course
    from activities.jobs import JobError

    from .moodle import sync as moodle_sync
    from .runtime import guarded_session

    settings = _settings()
    session = _session(settings)
    course = session.get(Course, course_id)
    if course is None:
        raise click.ClickException(f"no course {course_id}")
    http = guarded_session(settings)
    try:
        report = moodle_sync.run_once(session, settings.secret_key, http, settings.http_timeout, course)
    except JobError as error:
        raise click.ClickException(f"the sync failed: {error.reason}") from error
    finally:
        http.close()
    click.echo(f"course {course_id} synced: {report}")


@main.group()
def keys():
    """Padu's signing keys."""


@keys.command("rotate")
def keys_rotate():
    """Make a new signing key; the old one stays published for 7 days."""
    from .lti1p3 import keys as tool_keys

    key = tool_keys.rotate(_session(_settings()))
    click.echo(f"new signing key kid={key.kid}")


@main.group()
def grades():
    """The grade outbox."""


@grades.command("status")
def grades_status():
    """Grades delivered, pending and failed, per activity; failures with their reason."""
    from .grade_admin import status_lines

    for line in status_lines(_session(_settings())):
        click.echo(line)


@grades.command("retry")
@click.option("--activity", "activity_id", type=int, default=None, help="Only this activity id")
def grades_retry(activity_id):
    """Queue failed grades again (after fixing the cause, e.g. enrolling the learner)."""
    from activities.grades import retry_failed

    session = _session(_settings())
    count = retry_failed(session, activity_id)
    session.commit()
    click.echo(f"{count} grade(s) queued again")


@main.group()
def uploads():
    """Uploaded files."""


@uploads.command("sweep")
def uploads_sweep():
    """Delete uploaded files no record refers to (left by an interrupted save), and the files of
    superseded, unreviewed coaching versions beyond PADU_KEEP_SUPERSEDED_VERSIONS. The grade
    worker does this daily too; running it again is harmless."""
    from .housekeeping import sweep_uploads

    settings = _settings()
    counts = sweep_uploads(_session(settings), settings)
    click.echo(f"removed {counts['coaching_orphans']} coaching and {counts['readiness_orphans']} readiness file(s) "
               f"nothing refers to, and {counts['coaching_superseded']} file(s) of superseded coaching versions")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
