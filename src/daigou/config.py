"""The one settings object. Nothing else reads the environment."""

from __future__ import annotations

import json
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from daigou.core.files import write_private

MIN_ADMIN_TOKEN = 32


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
    marketplace: str = Field(
        default="sandbox",
        description="the old single choice: sets DAIGOU_MARKETPLACE_1688 and "
        "DAIGOU_MARKETPLACE_TAOBAO where they are not given",
    )

    # --- the marketplace behind each platform, and the PandaPon upstream adapter -------------
    # (docs/marketplaces.md). Unset: DAIGOU_MARKETPLACE decides (sandbox by default).
    marketplace_1688: str | None = Field(
        default=None, pattern="^(sandbox|alibaba|pandapon)$", description="sandbox|alibaba|pandapon"
    )
    marketplace_taobao: str | None = Field(
        default=None, pattern="^(sandbox|pandapon)$", description="sandbox|pandapon"
    )
    pandapon_base_url: str | None = Field(
        default=None, description="the PandaPon API's address, e.g. https://open.example.com"
    )
    pandapon_access_key: str | None = None
    pandapon_secret: SecretStr | None = None
    pandapon_user_id: str | None = Field(
        default=None, description="the account's userId (sent as the user-id header)"
    )
    pandapon_calls_per_second: float = Field(default=5.0, ge=0, description="0: no limit")
    pandapon_concurrency: int = Field(default=8, ge=1, le=1000)
    pandapon_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    pandapon_callback_secret: SecretStr | None = Field(
        default=None,
        description="the whsec_ secret PandaPon signs its callbacks with: set, its pushes to "
        "/callbacks/pandapon are the feed; unset, the feed pulls PandaPon's message list",
    )
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
    # a shipped Taobao purchase order is received this many days after shipment (ENDPOINTS 2.11)
    taobao_auto_confirm_days: int = Field(default=10, ge=1, le=90)
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

    # Every marketplace upstream (marketplace/limits.py): limits per process, shared by all
    # of its requests and jobs; several processes each take a share of the upstream's budget
    marketplace_calls_per_second: float = Field(
        default=0,
        ge=0,
        description="calls per second to one upstream from this process (0: no limit); with "
        "several processes, the upstream's budget divided by the processes",
    )
    marketplace_concurrency: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="calls in flight at once to one upstream from this process (also the size "
        "of the process's marketplace call pool)",
    )
    marketplace_slot_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        le=120,
        description="how long a call waits for a free slot before it fails as not sent",
    )

    # The 1688 Open Platform adapter (DAIGOU_ALIBABA_*; marketplace/alibaba1688, reference
    # section 2, docs/marketplaces.md): the app registered on open.1688.com and the buyer
    # account that authorised it. alibaba_missing() names what a 1688 adapter still needs.
    alibaba_app_key: str = Field(
        default="", description="the 1688 app's AppKey (open.1688.com, the app's page)"
    )
    alibaba_app_secret: SecretStr | None = Field(
        default=None, description="the 1688 app's secret: signs every call (_aop_signature)"
    )
    alibaba_base_url: str = Field(
        default="https://gw.open.1688.com/openapi",
        description="the 1688 gateway, up to /param2 (a stub's address in tests)",
    )
    alibaba_member_id: str = Field(
        default="",
        description="the memberId of the buyer account that authorised the app (its tokens "
        "are stored encrypted in the database, refreshed before they expire)",
    )
    alibaba_calls_per_second: float = Field(
        default=5.0,
        ge=0,
        description="calls per second to 1688 from this process (0: no limit); 1688's own "
        "limits are not published (UNVERIFIED): divide the app's budget among the processes",
    )
    alibaba_concurrency: int = Field(
        default=8, ge=1, le=1000, description="calls in flight at once to 1688 from this process"
    )
    alibaba_timeout_seconds: float = Field(
        default=15.0, gt=0, le=120, description="how long a 1688 call may take before it times out"
    )
    alibaba_pull_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description="how often the 1688 feed runs the compensation pull (push.query.messageList "
        "+ push.message.confirm) besides the pushes to /callbacks/alibaba (0: on every read)",
    )
    alibaba_redirect_uri: str = Field(
        default="",
        description="the redirect URI registered with the 1688 app: where 1688 sends the "
        "authorisation code of the buyer account",
    )

    # HTTP rules (CONTRACT sections 2 to 4)
    timestamp_window_seconds: int = 600
    secret_grace_seconds: int = 86_400
    key_cache_seconds: float = Field(
        default=2.0, ge=0, description="how long an API process may reuse a key it read (0: never)"
    )
    max_body_bytes: int = 1_048_576
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="a request's body must arrive within this"
    )
    header_timeout_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="a request's headers must arrive within this"
    )
    keep_alive_timeout_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="an idle keep-alive connection is closed after this"
    )
    admin_auth_failures_per_minute: int = Field(
        default=10,
        ge=1,
        description="wrong admin tokens a client address may send per minute before 42901",
    )
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
        description="allow callback URLs on private network addresses (10/8, 172.16/12, "
        "192.168/16, 100.64/10, fc00::/7); never loopback, link-local or the gateway's own",
    )
    callback_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated host names (`.example.com` for subdomains), IP addresses "
        "or CIDR networks that callbacks may reach even when not public (loopback too)",
    )
    callback_allowlist_ports: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="comma-separated ports the allowlist permits (empty: any port)",
    )
    callback_store_snippets: bool = Field(
        default=True,
        description="keep the first 256 bytes of each receiver's answer in the delivery log",
    )
    delivery_concurrency: int = Field(default=200, ge=1, le=5000)
    delivery_lease_seconds: int = Field(default=60, ge=10)
    message_retention_days: int = Field(default=30, ge=1)

    # The warehouse (ENDPOINTS 11, 12.9-12.12)
    freight_tables: Path | None = Field(
        default=None,
        description="a TOML file of the international channels' freight tables "
        "(docs/warehouse-freight.md); default the table shipped in "
        "daigou/warehouse/data/freight.toml",
    )
    warehouses: Path | None = Field(
        default=None,
        description="a TOML file of the consolidation warehouses (11.8: code, name, consignee, "
        "service countries; docs/warehouse.md); default the two shipped in "
        "daigou/warehouse/data/warehouses.toml. Synced into the database on first use; the "
        "operator adds more with POST /admin/warehouse/create",
    )

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

    @field_validator("callback_allowlist", "callback_allowlist_ports", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        """A comma-separated string (the environment) or a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.mode is Mode.production and not self.admin_token:
            raise ValueError("DAIGOU_ADMIN_TOKEN is required when DAIGOU_MODE=production")
        if (
            self.mode is Mode.production
            and self.admin_token
            and len(self.admin_token.get_secret_value()) < MIN_ADMIN_TOKEN
        ):
            raise ValueError(
                f"DAIGOU_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN} characters when "
                "DAIGOU_MODE=production (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)"
            )
        if self.mode is Mode.production and not self.secret_key:
            raise ValueError("DAIGOU_SECRET_KEY is required when DAIGOU_MODE=production")
        return self

    @property
    def marketplace_for_1688(self) -> str:
        """The adapter of 1688: DAIGOU_MARKETPLACE_1688, else the old DAIGOU_MARKETPLACE."""
        return self.marketplace_1688 or self.marketplace

    @property
    def marketplace_for_taobao(self) -> str:
        """The adapter of Taobao: DAIGOU_MARKETPLACE_TAOBAO, else the old DAIGOU_MARKETPLACE
        (which may name ``alibaba``, a 1688-only adapter: Taobao then stays on the sandbox)."""
        if self.marketplace_taobao:
            return self.marketplace_taobao
        return "sandbox" if self.marketplace == "alibaba" else self.marketplace

    @property
    def sandbox_only(self) -> bool:
        """Both platforms are on the sandbox: only then does the gateway publish the sandbox's
        invented daily exchange rates (a gateway buying for real shows the operator's)."""
        return self.marketplace_for_1688 == self.marketplace_for_taobao == "sandbox"

    def marketplace_problems(self) -> list[str]:
        """What keeps the configured marketplaces from starting, each a sentence naming the
        variable (empty: they can start). Checked by the composition root and `daigou serve`."""
        problems = []
        choices = {"1688": self.marketplace_for_1688, "taobao": self.marketplace_for_taobao}
        allowed = {"1688": ("sandbox", "alibaba", "pandapon"), "taobao": ("sandbox", "pandapon")}
        for platform, choice in choices.items():
            if choice not in allowed[platform]:
                problems.append(
                    f"unknown marketplace {choice!r} for {platform} "
                    f"(DAIGOU_MARKETPLACE_{platform.upper()}: one of "
                    + ", ".join(allowed[platform])
                    + ")"
                )
        if choices["1688"] == "alibaba":
            missing_1688 = alibaba_missing(self)
            if missing_1688:
                problems.append(
                    "the 1688 Open Platform marketplace needs "
                    + ", ".join(missing_1688)
                    + " (not set)"
                )
        if "pandapon" in choices.values():
            missing = [
                f"DAIGOU_{name.upper()}"
                for name in (
                    "pandapon_base_url",
                    "pandapon_access_key",
                    "pandapon_secret",
                    "pandapon_user_id",
                )
                if not getattr(self, name)
            ]
            if missing:
                problems.append(
                    "the PandaPon marketplace needs " + ", ".join(missing) + " (not set)"
                )
        return problems

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


ALIBABA_REQUIRED = (
    ("alibaba_app_key", "DAIGOU_ALIBABA_APP_KEY"),
    ("alibaba_app_secret", "DAIGOU_ALIBABA_APP_SECRET"),
    ("alibaba_member_id", "DAIGOU_ALIBABA_MEMBER_ID"),
    ("alibaba_base_url", "DAIGOU_ALIBABA_BASE_URL"),
)


def alibaba_missing(settings: Settings) -> list[str]:
    """The variables a 1688 Open Platform adapter needs that are unset (empty: it can start);
    the composition root refuses to start with this list."""
    missing = []
    for attr, variable in ALIBABA_REQUIRED:
        value = getattr(settings, attr)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value or not str(value).strip():
            missing.append(variable)
    return missing


def _dev_secret_file(path: Path, make: object) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()  # type: ignore[operator]
    write_private(path, value + "\n")
    return str(value)
