"""The LTI registry: platforms, deployments, tool keys, login states, nonces, launch sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from activities.db import Base, utcnow


class Platform(Base):
    """One registration of Padu on an LMS: an issuer and the client_id it gave Padu.

    Many platforms (many agencies' Moodles) live side by side; every course and
    person row belongs to exactly one of them.
    """

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(Text)
    auth_token_url: Mapped[str] = mapped_column(Text)
    key_set_url: Mapped[str] = mapped_column(Text)
    #: The audience of the client_assertion at the token endpoint (defaults to the token URL).
    auth_audience: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: "manual" or "dynamic".
    registered_by: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    #: Loaded when read (a launch session's page needs its platform, not the deployments).
    deployments: Mapped[list[Deployment]] = relationship(back_populates="platform", cascade="all, delete-orphan")

    @property
    def deployment_ids(self) -> list[str]:
        return sorted(d.deployment_id for d in self.deployments)


class RegistrationInvite(Base):
    """A one-time Dynamic Registration URL an operator made with ``padu platform invite``.

    Only a SHA-256 hash of the code is kept: the database (or a backup of it)
    does not hand out working registration URLs. ``used_at`` is set in the
    transaction that stores the platform, so that of two concurrent uses
    exactly one registers.
    """

    __tablename__ = "lti_registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: The platform registered with this invitation, once used.
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_platform.id", ondelete="SET NULL"), nullable=True, index=True
    )


class Deployment(Base):
    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class ToolKey(Base):
    """Padu's RSA signing keys. Kept in the database so that every process and
    host signs with the same key; a retired key stays in the JWKS for a while so
    that tokens signed just before a rotation still verify."""

    __tablename__ = "lti_tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class UsedNonce(Base):
    """Every login's nonce used (its launch accepted or refused), until neither its state nor
    an id_token carrying it could still be valid. The primary key makes "use once" atomic
    across processes and hosts: the login state itself is signed, not stored (``lti1p3.oidc``)."""

    __tablename__ = "lti_used_nonce"

    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class LaunchSession(Base):
    """What a verified launch established: who, where, with which role and services.

    Its id travels, signed, in Padu's links, forms and fetch headers.
    """

    __tablename__ = "lti_launch_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), nullable=True)
    message_type: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    lti_roles: Mapped[list] = mapped_column(default=list)
    locale: Mapped[str] = mapped_column(String(20), default="id")
    #: The AGS endpoint claim, the NRPS claim and the deep-linking settings, as sent.
    ags: Mapped[dict | None] = mapped_column(nullable=True)
    nrps: Mapped[dict | None] = mapped_column(nullable=True)
    deep_linking: Mapped[dict | None] = mapped_column(nullable=True)
    return_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Server-side session values (e.g. the CSRF secret).
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The end of its absolute lifetime; a newer launch of the same person in the same
    #: course with another role sets it to that moment, which ends this session.
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    #: When a request last used it, to the minute (for the idle timeout); None: not since the launch.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    platform: Mapped[Platform] = relationship(lazy="joined")
