"""Rows the tests put in a database by hand."""

from __future__ import annotations


def new_platform():
    """A Moodle's registration as Padu keeps it, not yet in a session."""
    from lti_tool.models import Deployment, Platform

    platform = Platform(
        issuer="https://moodle.example.go.id",
        client_id="client-1",
        auth_login_url="https://moodle.example.go.id/mod/lti/auth.php",
        auth_token_url="https://moodle.example.go.id/mod/lti/token.php",
        key_set_url="https://moodle.example.go.id/mod/lti/certs.php",
    )
    platform.deployments.append(Deployment(deployment_id="1"))
    return platform
