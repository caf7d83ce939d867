"""Every way data leaves is a release to a named agency: the home agency or a configured sharing partner
that passes the sharing rules. Checked when the server starts and again each time something is sent."""

from __future__ import annotations

from plateguard.config import Settings
from plateguard.errors import ConfigurationError, Forbidden
from plateguard.sharing.models import RequesterKind
from plateguard.sharing.rules import Verdict, rule_on


def recipient_refusal(settings: Settings, agency: str) -> str | None:
    """None when this agency may receive ALPR data, else why not (naming the rule)."""
    name = agency.strip()
    if not name or name == settings.agency.name:
        return None
    partner = next((p for p in settings.sharing.partners if p.name == name), None)
    if partner is None:
        return f"{name!r} is neither the home agency nor a sharing partner in sharing.partners"
    ruling = rule_on(kind=RequesterKind(partner.kind), state=partner.state, sharing=settings.sharing)
    if ruling.verdict is not Verdict.ALLOWED:
        return f"{name!r} may not receive ALPR data: {ruling.rule}"
    return None


def check_recipient(settings: Settings, agency: str) -> str:
    """The recipient agency's name (the home agency when empty), or Forbidden naming the rule."""
    refusal = recipient_refusal(settings, agency)
    if refusal is not None:
        raise Forbidden(refusal)
    return agency.strip() or settings.agency.name


def check_alert_recipients(settings: Settings) -> None:
    """At start-up: every webhook and mailbox belongs to an agency allowed to receive alerts."""
    for index, hook in enumerate(settings.alerts.webhooks):
        refusal = recipient_refusal(settings, hook.agency)
        if refusal is not None:
            raise ConfigurationError(f"alerts.webhooks[{index}] ({hook.url}): {refusal}")
    mail = settings.alerts.email
    if mail.smtp_host and mail.recipients:
        refusal = recipient_refusal(settings, mail.agency)
        if refusal is not None:
            raise ConfigurationError(f"alerts.email.recipients: {refusal}")


def alert_target_refusal(settings: Settings, channel: str, address: str) -> str | None:
    """At send time: the target must still be configured, and its agency still allowed."""
    if channel == "webhook":
        agencies = [hook.agency for hook in settings.alerts.webhooks if hook.url == address]
    else:
        mail = settings.alerts.email
        agencies = [mail.agency] if mail.smtp_host and address in mail.recipients else []
    if not agencies:
        return f"{address} is no longer a configured alert recipient; not sent"
    return recipient_refusal(settings, agencies[0])
