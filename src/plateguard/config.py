"""Settings: defaults, overridden by ``plateguard.toml``, overridden by ``PLATEGUARD_*`` variables.

Unknown keys and invalid values are refused when the settings are loaded, naming the key. Secrets are
never defaulted: they live in files under the data directory that ``plateguard init`` creates with
mode 0600.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from plateguard.errors import ConfigurationError, first_validation_error

ENV_PREFIX = "PLATEGUARD_"
CONFIG_ENV = "PLATEGUARD_CONFIG"
DEFAULT_CONFIG_NAME = "plateguard.toml"
SECRET_FILES = ("metrics_token", "webhook_key")
SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")  # psycopg 3 is the one installed


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8460, ge=1, le=65535, description="TCP port of the web server.")
    secure_cookies: bool = Field(
        False, description="Mark session cookies Secure; turn on whenever the console is served over HTTPS."
    )
    public_url: str = Field(
        "",
        pattern=r"^(https?://\S+)?$",
        max_length=300,
        description="Address officers open the console at, for links in alert webhooks and e-mail.",
    )
    hsts_seconds: int = Field(
        0, ge=0, le=63_072_000, description="Strict-Transport-Security max-age; 0 sends none (plain HTTP)."
    )
    forwarded_allow_ips: str = Field(
        "",
        max_length=500,
        description="Reverse proxies whose X-Forwarded-For is trusted (comma-separated); empty trusts none.",
    )
    max_form_bytes: int = Field(
        1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024, description="Largest form or JSON body (413 above)."
    )


class SecuritySettings(Section):
    session_idle_minutes: int = Field(
        30, ge=1, le=480, description="Idle time that ends a session (CJIS: 30)."
    )
    lockout_threshold: int = Field(
        5,
        ge=3,
        le=20,
        description="Failed sign-ins of one username from one address that lock that address out.",
    )
    lockout_base_seconds: int = Field(60, ge=1, le=3600, description="First lockout; doubles each time.")
    lockout_max_seconds: int = Field(
        900, ge=60, le=86_400, description="Longest lockout; the back-off stops doubling here."
    )
    throttle_window_minutes: int = Field(
        15, ge=1, le=1440, description="Window in which failed sign-ins per address and per account count."
    )
    address_failure_limit: int = Field(
        30, ge=5, le=10_000, description="Failed sign-ins (any username) in the window that pause an address."
    )
    account_failure_limit: int = Field(
        100,
        ge=10,
        le=100_000,
        description="Failed sign-ins of one username from all addresses in the window that pause it.",
    )
    inactivity_suspend_days: int = Field(
        90, ge=1, le=3650, description="Unused accounts are suspended after."
    )
    min_password_length: int = Field(12, ge=12, le=128, description="Shortest password accepted.")


class AgencySettings(Section):
    name: str = Field("Manteca Police Department", min_length=2, description="Agency that runs the system.")
    ori: str = Field("CA0390500", pattern=r"^[A-Z]{2}[0-9A-Z]{7}$", description="NCIC originating agency id.")
    state: str = Field("CA", pattern=r"^[A-Z]{2}$", description="Agency's state (two letters).")
    timezone: str = Field(
        "America/Los_Angeles", description="IANA time zone in which pages show times (stored times are UTC)."
    )

    def today(self) -> dt.date:
        """Today's date where the agency is: the date its people see, type into forms and are held to
        (a training record that expires on a day is current until that day ends there)."""
        return dt.datetime.now(ZoneInfo(self.timezone)).date()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


ALERT_PURPOSE = "Alert verification"
"""The purpose every alert page, image and push is recorded under: it must be on the purpose list."""

DEFAULT_PURPOSES = (
    "Criminal investigation",
    "Stolen vehicle or plate recovery",
    "Wanted person or warrant",
    "Missing person or AMBER alert",
    ALERT_PURPOSE,
    "Homeland security",
    "Civil or administrative action",
    "Audit of system use",
    "Records request or legal process",
)


class PurposeRule(Section):
    """What one purpose allows beyond the default (every search, canvass, timeline and export needs a
    case or incident number)."""

    roles: tuple[str, ...] = Field(
        (), description="Roles that may give this purpose at all (empty: anyone with the permission)."
    )
    waives_case_number_for: tuple[str, ...] = Field(
        (), description="Actions (reads.view, reads.image, ...) this purpose may take without a case number."
    )
    alert_reads_only: bool = Field(
        False, description="The waiver covers only a read that raised an alert (and that read's images)."
    )

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from plateguard.accounts.roles import Role

        unknown = set(value) - {role.value for role in Role}
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        return value

    @field_validator("waives_case_number_for")
    @classmethod
    def _known_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(WAIVABLE_ACTIONS)
        if unknown:
            raise ValueError(f"a case number may be waived only for {', '.join(WAIVABLE_ACTIONS)}")
        return value


WAIVABLE_ACTIONS = ("reads.view", "reads.image", "reads.search", "reads.timeline", "reads.seen_near")
DEFAULT_PURPOSE_RULES = {
    ALERT_PURPOSE: PurposeRule(waives_case_number_for=("reads.view", "reads.image"), alert_reads_only=True),
    "Audit of system use": PurposeRule(
        roles=("auditor",), waives_case_number_for=("reads.view", "reads.image")
    ),
}


class ProhibitedPurpose(Section):
    """A purpose ALPR data may never be used for: refused at search time naming its rule."""

    name: str = Field(min_length=3, max_length=100, description="The prohibited purpose, as refused.")
    rule: str = Field(min_length=3, max_length=300, description="The law or policy that prohibits it.")
    terms: tuple[str, ...] = Field(
        (),
        description="Words and phrases that name it in free text (case, spacing, accents and look-alike"
        " letters ignored).",
    )


DEFAULT_PROHIBITED_PURPOSES = (
    ProhibitedPurpose(
        name="Immigration enforcement",
        rule="California Values Act (Gov. Code 7284.6); Civil Code 1798.90.55(b)",
        terms=(
            "immigration",
            "deportation",
            "deport",
            "undocumented",
            "illegal alien",
            "immigration and customs enforcement",
            "border patrol",
            "visa overstay",
        ),
    ),
    ProhibitedPurpose(
        name="Investigation of lawful reproductive health care",
        rule="Penal Code 13778.2 (no aid to investigations of lawful abortion or reproductive care)",
        terms=(
            "abortion",
            "reproductive health",
            "reproductive care",
            "pregnancy termination",
            "planned parenthood",
            "family planning clinic",
        ),
    ),
    ProhibitedPurpose(
        name="Personal use",
        rule="Policy 460.5(b): official law enforcement purposes only",
        terms=(
            "personal",
            "ex-girlfriend",
            "ex-boyfriend",
            "ex-wife",
            "ex-husband",
            "my neighbor",
            "curiosity",
            "just curious",
            "private matter",
        ),
    ),
)


class AccessSettings(Section):
    purposes: tuple[str, ...] = Field(
        DEFAULT_PURPOSES, min_length=1, description="Purposes a user must choose from to access ALPR data."
    )
    purpose_rules: dict[str, PurposeRule] = Field(
        default_factory=lambda: dict(DEFAULT_PURPOSE_RULES),
        description="Per purpose: the roles that may give it and the actions it may take without a case"
        " number. Exports are never waived.",
    )
    prohibited_purposes: tuple[ProhibitedPurpose, ...] = Field(
        DEFAULT_PROHIBITED_PURPOSES,
        description="Purposes refused at search time (also when free text names one); every refusal is"
        " recorded and reported in audits.",
    )
    hotlist_entry_max_days: int = Field(
        90,
        ge=1,
        le=366,
        description="Longest an entry added by hand to a department list may run before it is entered again.",
    )

    @model_validator(mode="after")
    def _rules_name_purposes(self) -> AccessSettings:
        if ALERT_PURPOSE not in self.purposes:
            raise ValueError(
                f"access.purposes must include {ALERT_PURPOSE!r}: alert pages and pushes are recorded"
                " under it, and every access record needs its purpose (Civil Code 1798.90.52)"
            )
        stray = set(self.purpose_rules) - set(self.purposes)
        if stray:
            raise ValueError(
                f"purpose_rules name purposes not in access.purposes: {', '.join(sorted(stray))}"
            )
        return self


class RecognitionSettings(Section):
    threads: int = Field(1, ge=1, le=64, description="ONNX Runtime threads used per recognition.")
    reader: Literal["tuned", "ppocr", "crnn", "hybrid", "fast"] = Field(
        "tuned",
        description="Plate reader: tuned (PP-OCR recognizer fine-tuned to plates), ppocr (stock PP-OCR),"
        " crnn (own whole-plate model alone), hybrid (own model and stock PP-OCR, fused) or fast (own model,"
        " PP-OCR only when it is unsure); docs/recognition.md gives each one's accuracy and speed.",
    )


class IngestSettings(Section):
    max_body_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        le=512 * 1024 * 1024,
        description="Largest ingest request body (413 above).",
    )
    capture_days_back: int = Field(
        730,
        ge=1,
        le=36500,
        description="Oldest capture time a device may send, in days before now (older is refused, 422).",
    )
    capture_minutes_ahead: int = Field(
        5, ge=0, le=1440, description="How far a device's clock may run ahead, in minutes (422 beyond)."
    )


class MqttSettings(Section):
    host: str = Field("127.0.0.1", description="MQTT broker host for `plateguard mqtt`.")
    port: int = Field(1883, ge=1, le=65535, description="MQTT broker port.")
    client_id: str = Field(
        "plateguard-ingest", min_length=1, max_length=64, description="Client id; its session is persistent."
    )
    username: str | None = Field(None, description="Broker user name, if the broker needs one.")
    password_file: Path | None = Field(None, description="File holding the broker password.")
    read_topics: tuple[str, ...] = Field(
        ("plateguard/reads/+",),
        description="Topics carrying plateguard JSON; the last topic level names the camera.",
    )
    frigate_topics: tuple[str, ...] = Field(
        ("frigate/events", "frigate/tracked_object_update"),
        description="Frigate topics; the camera is matched by Frigate's camera name.",
    )


class WebhookTarget(Section):
    url: str = Field(
        pattern=r"^https?://\S+$", max_length=500, description="Where alerts are POSTed as JSON."
    )
    restricted_lists: bool = Field(
        False, description="Also send alerts from lists restricted to authorized users (state/federal files)."
    )
    agency: str = Field(
        "",
        max_length=200,
        description="Agency receiving this webhook: empty for the home agency, else a sharing.partners name.",
    )


class EmailSettings(Section):
    smtp_host: str = Field("", max_length=200, description="Mail server; empty sends no alert e-mail.")
    smtp_port: int = Field(587, ge=1, le=65_535, description="Mail server port.")
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS before sending.")
    username: str = Field(
        "", max_length=200, description="SMTP login; its password is secrets/smtp_password."
    )
    sender: str = Field("plateguard@localhost", max_length=200, description="From address of alert e-mail.")
    recipients: list[str] = Field(default_factory=list, description="Mailboxes that receive every alert.")
    agency: str = Field(
        "",
        max_length=200,
        description="Agency of the recipients: empty for the home agency, else a sharing.partners name.",
    )
    restricted_lists: bool = Field(
        False, description="Also send alerts from lists restricted to authorized users (state/federal files)."
    )

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or any(c.isspace() for c in address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value


class AlertSettings(Section):
    stream_max_seconds: float = Field(
        600.0,
        ge=0.1,
        le=86_400,
        description="Longest life of one live-alert connection; browsers reconnect on their own.",
    )
    webhooks: list[WebhookTarget] = Field(default_factory=list, description="Webhooks that receive alerts.")
    email: EmailSettings = EmailSettings()
    delivery_attempts: int = Field(
        8, ge=1, le=50, description="Tries per webhook or e-mail before giving up."
    )
    delivery_retry_seconds: float = Field(
        5.0, ge=0.1, le=3600, description="Wait before the first retry; doubles after each failure."
    )


class HotlistSettings(Section):
    max_shrink_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="An import that cuts a list by more than this share (or empties it) needs confirmation.",
    )
    retroactive_days: int = Field(
        30,
        ge=0,
        le=365,
        description="A new entry, added by hand or imported, is matched against the reads of this many days.",
    )


class RetentionSettings(Section):
    purge_batch_size: int = Field(
        1000,
        ge=1,
        le=10_000,
        description="Most reads deleted per purge transaction; a batch that held the database longer than "
        "50 ms halves the next one (kept short for ingest).",
    )
    purge_pause_seconds: float = Field(
        0.02, ge=0, le=10, description="Pause between purge batches, so ingest gets the write lock."
    )
    daily_purge: bool = Field(True, description="Run the purge once a day inside `plateguard serve`.")
    daily_purge_hour: int = Field(
        3, ge=0, le=23, description="Local hour (agency time zone) of the daily purge."
    )


class SharingPartner(Section):
    name: str = Field(min_length=2, max_length=200, description="Agency name, as on its requests.")
    state: str = Field(pattern=r"^[A-Z]{2}$", description="The agency's state (two letters).")
    kind: Literal["law_enforcement", "prosecutor", "other_public", "federal", "private"] = Field(
        description="What the agency is; the sharing rules decide whether it may receive data."
    )


class SharingSettings(Section):
    allowed_states: tuple[str, ...] = Field(
        ("CA",), description="States whose public agencies may receive data (Civil Code 1798.90.55: CA only)."
    )
    allowed_kinds: tuple[Literal["law_enforcement", "prosecutor"], ...] = Field(
        ("law_enforcement", "prosecutor"), description="Kinds of public agency that may receive data."
    )
    partners: list[SharingPartner] = Field(
        default_factory=list,
        description="Agencies approved to receive alert webhooks or e-mail; each must pass the rules.",
    )


class MapSettings(Section):
    tile_url: str = Field(
        "",
        max_length=300,
        description="Map tile server URL template ({z}/{x}/{y}); empty shows points on a blank background.",
    )
    attribution: str = Field("", max_length=300, description="Attribution shown with the map tiles.")


class AuditSettings(Section):
    checkpoint_minutes: float = Field(
        60.0,
        ge=0.1,
        le=24 * 60,
        description="While `plateguard serve` runs, sign the access-log head into audit/checkpoints.jsonl"
        " this often (only when new records were written).",
    )
    checkpoint_syslog: str = Field(
        "",
        pattern=r"^(|/\S+|[\w.-]+:\d{1,5})$",
        description="Also send each checkpoint to syslog: a socket path (/dev/log) or host:port (UDP);"
        " empty sends none. A copy the database server cannot reach is what makes a rewrite evident.",
    )
    sample_size: int = Field(25, ge=1, le=1000, description="Searches drawn at random for each audit.")
    usual_hours: tuple[int, int] = Field(
        (6, 22),
        description="Start and end hour (agency time) of the usual working day; searches outside it by"
        " users without a shift of their own are flagged.",
    )
    repeat_plate_searches: int = Field(
        3, ge=2, le=100, description="Searches of one plate by one user under 2+ case numbers that flag it."
    )
    bulk_export_reads: int = Field(500, ge=1, description="An export of at least this many reads is flagged.")
    daily_purge_expected: bool = Field(
        True, description="Audits flag each day of the period on which no purge ran."
    )

    @field_validator("usual_hours")
    @classmethod
    def _hours(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not (0 <= value[0] < value[1] <= 24):
            raise ValueError("usual_hours must be [start, end] with 0 <= start < end <= 24")
        return value


class IncidentSettings(Section):
    """Security incidents: notification deadlines under Civil Code 1798.29 / 1798.82 (ALPR data is
    personal information there). Set them to counsel's reading of the law in force."""

    residents_notice_days: int = Field(
        30, ge=1, le=365, description="Days from discovery to notify affected California residents."
    )
    attorney_general_days: int = Field(
        15, ge=1, le=365, description="Days from the residents' notice to send the Attorney General a sample."
    )
    attorney_general_threshold: int = Field(
        500, ge=1, description="More affected residents than this: the Attorney General gets a sample notice."
    )


class Settings(BaseSettings):
    """All of plateguard's configuration; see docs/configuration.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )
    _toml_file: ClassVar[Path | None] = None

    data_dir: Path = Field(Path("data"), description="Folder for the database, images and secrets.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; empty means SQLite in the data directory."
    )
    server: ServerSettings = ServerSettings()
    security: SecuritySettings = SecuritySettings()
    agency: AgencySettings = AgencySettings()
    recognition: RecognitionSettings = RecognitionSettings()
    access: AccessSettings = AccessSettings()
    ingest: IngestSettings = IngestSettings()
    mqtt: MqttSettings = MqttSettings()
    map: MapSettings = MapSettings()
    alerts: AlertSettings = AlertSettings()
    audit: AuditSettings = AuditSettings()
    incidents: IncidentSettings = IncidentSettings()
    hotlists: HotlistSettings = HotlistSettings()
    retention: RetentionSettings = RetentionSettings()
    sharing: SharingSettings = SharingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if not value:
            return value
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError("not a database URL (e.g. postgresql+psycopg://user@host/db)") from exc
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(f"{url.drivername} is not supported; use one of {', '.join(SUPPORTED_DRIVERS)}")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'plateguard.sqlite3').resolve()}"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    def secret(self, name: str) -> str:
        """Read a secret that ``plateguard init`` generated; refuse to run without it."""
        path = self.data_dir / "secrets" / name
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"missing secret {path}: run `plateguard init` first") from exc


def load_settings(*, config_file: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Load settings; a bad file, key or value raises ConfigurationError naming it."""
    path = _config_path(config_file)
    _refuse_unknown_environment()
    if path is not None:
        _check_toml_readable(path)
    settings_class: type[Settings] = type("LoadedSettings", (Settings,), {"_toml_file": path})
    try:
        return settings_class(**(overrides or {}))
    except ValidationError as exc:
        raise ConfigurationError(_describe_validation_error(exc, path)) from exc
    except SettingsError as exc:
        raise ConfigurationError(_describe_settings_error(exc)) from exc


def _describe_settings_error(exc: SettingsError) -> str:
    """pydantic-settings could not decode a value, in practice a list or section from the environment
    that is not JSON (``PLATEGUARD_ACCESS__PURPOSES=a,b`` instead of ``'["a", "b"]'``)."""
    match = re.search(r'field "([^"]+)"', str(exc))
    key = match.group(1) if match else "?"
    names = sorted(name for name in os.environ if name.startswith(f"{ENV_PREFIX}{key.upper()}"))
    where = f" ({', '.join(names)})" if names else ""
    return f"invalid setting '{key}'{where}: lists and sections in environment variables must be JSON"


def _config_path(config_file: Path | None) -> Path | None:
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigurationError(f"config file {config_file} does not exist")
        return config_file
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        if not Path(from_env).is_file():
            raise ConfigurationError(f"{CONFIG_ENV} names {from_env}, which does not exist")
        return Path(from_env)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def _check_toml_readable(path: Path) -> None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(f"config file {path} cannot be read: {exc.strerror}") from exc


def _refuse_unknown_environment() -> None:
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields} | {CONFIG_ENV}
    known |= {"PLATEGUARD_TEST_POSTGRES_URL", "PLATEGUARD_TEST_AS_APP_ROLE"}
    for name in os.environ:
        if not name.startswith(ENV_PREFIX) or name in known:
            continue
        section = name[len(ENV_PREFIX) :].split("__", 1)[0]
        if f"{ENV_PREFIX}{section}" not in known or "__" not in name:
            raise ConfigurationError(f"unknown setting in environment: {name}")


def _describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    field, message = first_validation_error(exc.errors())
    key = field or "(root)"
    where = f" in {path}" if path is not None else ""
    if exc.errors()[0]["type"] == "extra_forbidden":
        return f"unknown setting '{key}'{where}"
    return f"invalid setting '{key}'{where}: {message}"


def write_secrets(data_dir: Path) -> None:
    """Generate missing secrets, each in its own file readable only by the owner (mode 0600)."""
    folder = data_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in SECRET_FILES:
        path = folder / name
        if path.exists():
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    from plateguard.access_log.checkpoints import write_signing_key

    write_signing_key(folder)
