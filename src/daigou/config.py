"""The one settings object. Nothing else reads the environment."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    dev = "dev"
    production = "production"


class Settings(BaseSettings):
    """Every setting of the gateway, read once from `DAIGOU_*` variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="DAIGOU_", env_file=".env", extra="ignore")

    mode: Mode = Mode.dev
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file under data_dir"
    )
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = Field(
        default=None, description="Fernet key that encrypts API secrets at rest"
    )
    marketplace: str = "sandbox"
    public_url: str = Field(
        default="",
        description="the gateway's address as clients reach it (for picture URLs); default "
        "http://<host>:<port>",
    )

    # The sandbox marketplace (DAIGOU_MARKETPLACE=sandbox): its catalogue and its seller
    sandbox_seed: int = 20260101
    sandbox_shops: int = Field(default=500, ge=2)
    sandbox_offers_1688: int = Field(default=100_000, ge=0)
    sandbox_offers_taobao: int = Field(default=100_000, ge=0)
    sandbox_load_on_start: bool = Field(
        default=True, description="build/check the catalogue before serving (else on first use)"
    )
    sandbox_pay_timeout_seconds: int = Field(default=43_200, ge=1)
    sandbox_ship_after_seconds: int = Field(
        default=7_200, ge=0, description="the seller ships a paid order after this (0: never)"
    )
    sandbox_logistics_step_seconds: int = Field(default=21_600, ge=1)
    sandbox_deliver_after_seconds: int = Field(default=172_800, ge=1)
    sandbox_auto_confirm_seconds: int = Field(default=864_000, ge=1)
    sandbox_settle_after_seconds: int = Field(default=86_400, ge=0)
    sandbox_refund_policy: str = Field(
        default="agree",
        pattern="^(agree|refuse|manual)$",
        description="how the seller answers a refund when its answer time runs out",
    )
    sandbox_refund_answer_seconds: int = Field(default=172_800, ge=1)
    sandbox_refund_buyer_seconds: int = Field(
        default=604_800, ge=1, description="buyer's time to send goods back or modify"
    )
    sandbox_refund_receive_seconds: int = Field(default=864_000, ge=1)
    sandbox_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="sandbox marketplace operations run at once per process (its work is this "
        "process's CPU: more only contend); injected latency is spent outside this limit",
    )

    # HTTP rules (CONTRACT sections 2 to 4)
    timestamp_window_seconds: int = 600
    secret_grace_seconds: int = 86_400
    key_cache_seconds: float = Field(
        default=2.0, ge=0, description="how long an API process may reuse a key it read (0: never)"
    )
    max_body_bytes: int = 1_048_576
    max_picture_body_bytes: int = Field(
        default=8_388_608,
        description="body limit of the routes that take a picture as base64 (1.5, 5.3, 7.2)",
    )
    idempotency_ttl_seconds: int = 86_400
    idempotency_lock_seconds: int = 60
    default_rate_limit_per_minute: int = 600

    # Callbacks (CONTRACT section 9)
    callback_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    callback_allow_private_networks: bool = Field(
        default=False,
        description="allow callback URLs on private network addresses (loopback http is always "
        "allowed, for tests)",
    )
    delivery_concurrency: int = Field(default=200, ge=1, le=5000)
    delivery_lease_seconds: int = Field(default=60, ge=10)
    message_retention_days: int = Field(default=30, ge=1)

    # Process
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    run_worker: bool = True
    worker_poll_seconds: float = 1.0
    db_pool_size: int = 10
    io_threads: int | None = Field(
        default=None,
        description="threads for blocking work; default 4 on SQLite (one writer: more threads "
        "only contend), db_pool_size on PostgreSQL",
    )

    # Dev mode conveniences
    demo_topup_fen: int = 1_000_000

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.mode is Mode.production and not self.admin_token:
            raise ValueError("DAIGOU_ADMIN_TOKEN is required when DAIGOU_MODE=production")
        if self.mode is Mode.production and not self.secret_key:
            raise ValueError("DAIGOU_SECRET_KEY is required when DAIGOU_MODE=production")
        return self

    @property
    def is_dev(self) -> bool:
        return self.mode is Mode.dev

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'daigou.sqlite3').resolve()}"

    @cached_property
    def resolved_admin_token(self) -> str:
        """The admin token; in dev mode generated once and kept under data_dir."""
        if self.admin_token:
            return self.admin_token.get_secret_value()
        return _dev_secret_file(
            self.data_dir / "admin-token", lambda: "adm_" + secrets.token_hex(24)
        )

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key.get_secret_value()
        from cryptography.fernet import Fernet

        return _dev_secret_file(
            self.data_dir / "secret.key", lambda: Fernet.generate_key().decode()
        )


def _dev_secret_file(path: Path, make: object) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    value = make()  # type: ignore[operator]
    path.write_text(value + "\n")
    path.chmod(0o600)
    return str(value)
