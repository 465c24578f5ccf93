"""Developers, their API keys and their sub-accounts."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class Developer(Base):
    __tablename__ = "developer"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    develop_id: Mapped[str] = mapped_column(String(19), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    remark: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="enabled")
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    cashier_pay_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)
    # the wire dialect its calls are answered in (CONTRACT section 1): daigou or pandapon
    dialect: Mapped[str] = mapped_column(String(16), default="daigou", server_default="daigou")
    # the main account's userId (13 digits, PandaPon style): sent as user-id, it means the
    # main account (CONTRACT section 2)
    main_user_id: Mapped[str] = mapped_column(String(13), unique=True)


class ApiKey(Base):
    """An access key. Secrets are encrypted at rest (Fernet) because verifying needs them."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    access_key: Mapped[str] = mapped_column(String(32), unique=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="enabled")
    hmac_only: Mapped[bool] = mapped_column(Boolean, default=False)
    secret_enc: Mapped[str] = mapped_column(Text)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)


class SubAccount(Base):
    __tablename__ = "sub_account"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(64))
    remark: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="enabled")
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("developer_id", "user_id"),)
