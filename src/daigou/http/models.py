"""Tables of the HTTP layer: nonces, idempotency keys, rate-limit counters, audit log."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class Nonce(Base):
    """A nonce seen for a key; kept until its timestamp can no longer pass the window."""

    __tablename__ = "api_nonce"
    # SQLite: the primary key is the table (one B-tree less to write per request)
    __table_args__ = {"sqlite_with_rowid": False}
    access_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class IdempotencyRecord(Base):
    """First completed response of an (owner, Idempotency-Key) pair."""

    __tablename__ = "idempotency_key"
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)  # developId or "admin"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_progress | done
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    locked_until: Mapped[int] = mapped_column(BigInteger)


class RateCounter(Base):
    """Requests of one developer in one fixed minute window."""

    __tablename__ = "rate_counter"
    __table_args__ = {"sqlite_with_rowid": False}
    developer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch minute
    count: Mapped[int] = mapped_column(Integer)


class AuditLog(Base):
    """Every operator write: who, what, on which object, with which request."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_audit_log_target", "target"),)
