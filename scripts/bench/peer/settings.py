"""The peer's configuration: the Java app's property names, read the way Spring Boot reads them here.

Each setting comes from its environment variable (Spring's relaxed name, e.g. INTEGRATION_ORDERSAPI_BASEURL)
or from a file named after the property (integration.orders-api.token) in INTEGRATION_SECRETS_DIR, as the
app's configtree import; the environment wins. Durations and sizes use Spring's notation (10s, 1500ms,
256KB). A missing or wrong value stops the start with a message that names the variable.
"""

import os
import re

from pydantic import BaseSettings, Field, ValidationError, validator

_DURATION = re.compile(r"([0-9]+)(ns|us|ms|s|m|h|d)?")
_ISO_DURATION = re.compile(r"PT(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?", re.IGNORECASE)
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1e-3}
_SIZE = re.compile(r"([0-9]+)(B|KB|MB|GB|TB)?", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, None: 1}


def _env(prop):
    """The environment variable and the configtree file name of a Spring property."""
    return [re.sub(r"[.-]", lambda m: "_" if m[0] == "." else "", prop).upper(), prop]


def seconds(value):
    """A Spring Boot Duration ("10s", "1500ms", "PT10S"; a bare number is milliseconds) in seconds."""
    text = str(value).strip()
    m = _DURATION.fullmatch(text)
    if m:
        return int(m[1]) * _UNITS[m[2]]
    m = _ISO_DURATION.fullmatch(text)
    if m and any(m.groups()):
        return int(m[1] or 0) * 3600 + int(m[2] or 0) * 60 + float(m[3] or 0)
    raise ValueError(f"'{value}' is not a duration such as 10s, 1500ms or PT10S")


def size(value):
    """A Spring DataSize ("256KB"; a bare number is bytes) in bytes."""
    m = _SIZE.fullmatch(str(value).strip())
    if not m:
        raise ValueError(f"'{value}' is not a size such as 256KB")
    return int(m[1]) * _SIZE_UNITS[m[2].lower() if m[2] else None]


class Settings(BaseSettings):
    server_port: int = Field(8080, env=["SERVER_PORT"])
    customer_key: str = Field(..., env=_env("integration.customer.key"))
    webhook_secrets: str = Field(..., env=_env("integration.webhook.secrets"))
    webhook_smoke_secrets: str = Field("", env=_env("integration.webhook.smoke-secrets"))
    webhook_tolerance: float = Field("5m", env=_env("integration.webhook.tolerance"))
    webhook_max_body_size: int = Field("256KB", env=_env("integration.webhook.max-body-size"))
    orders_api_base_url: str = Field(..., env=_env("integration.orders-api.base-url"))
    orders_api_token: str = Field(..., env=_env("integration.orders-api.token"))
    orders_api_deadline: float = Field("10s", env=_env("integration.orders-api.deadline"))
    orders_api_connect_timeout: float = Field("2s", env=_env("integration.orders-api.connect-timeout"))
    orders_api_read_timeout: float = Field("5s", env=_env("integration.orders-api.read-timeout"))
    orders_api_initial_backoff: float = Field("200ms", env=_env("integration.orders-api.initial-backoff"))
    orders_api_max_backoff: float = Field("2s", env=_env("integration.orders-api.max-backoff"))
    orders_api_max_retries: int = Field(10, ge=0, le=100, env=_env("integration.orders-api.max-retries"))
    orders_api_unavailable_retry_after: float = Field(
        "30s", env=_env("integration.orders-api.unavailable-retry-after"))

    @validator("webhook_tolerance", "orders_api_deadline", "orders_api_connect_timeout", "orders_api_read_timeout",
               "orders_api_initial_backoff", "orders_api_max_backoff", "orders_api_unavailable_retry_after",
               pre=True, always=True)
    def _seconds(cls, value):
        return seconds(value)

    @validator("webhook_max_body_size", pre=True, always=True)
    def _size(cls, value):
        return size(value)

    @validator("orders_api_base_url")
    def _url(cls, value):
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value):
            raise ValueError("must be an http(s) URL such as https://orders.platform.example")
        return value

    @validator("orders_api_token", "customer_key")
    def _not_blank(cls, value):
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    def secrets(self):
        return _list(self.webhook_secrets)

    def smoke_secrets(self):
        return _list(self.webhook_smoke_secrets)

    class Config:
        case_sensitive = False


def _list(value):
    """A Spring list property: comma-separated, each element trimmed."""
    return [item.strip() for item in value.split(",") if item.strip()]


def load():
    """The settings, or SystemExit with one line per wrong or missing value."""
    secrets_dir = os.environ.get("INTEGRATION_SECRETS_DIR", "/etc/secrets/")
    try:
        if os.path.isdir(secrets_dir):
            return Settings(_secrets_dir=secrets_dir)
        return Settings()
    except ValidationError as ex:
        lines = []
        for error in ex.errors():
            field = Settings.__fields__[error["loc"][0]]
            names = field.field_info.extra["env_names"]
            variable = next(n.upper() for n in names if "." not in n)
            lines.append(f"peer: {variable}: {error['msg']}")
        raise SystemExit("\n".join(lines)) from None
