"""Email through the clinic's SMTP server (``SMTP_URL``, ``SMTP_FROM``).

``SMTP_URL`` is ``smtp://[user[:password]@]host[:port]`` (port 587 by default; STARTTLS
is used whenever the server offers it) or ``smtps://...`` (TLS from the start, port 465).
Credentials are never sent over a connection that is not encrypted, unless the server is
on this machine (loopback). Messages are plain text; nothing here logs their content.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

DEFAULT_TIMEOUT_S = 20.0


class MailNotConfigured(Exception):
    """SMTP_URL is not set: the caller shows the link instead of emailing it."""


class MailError(Exception):
    """The message could not be handed to the SMTP server (retry later)."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    username: str | None
    password: str | None
    sender: str
    timeout: float = DEFAULT_TIMEOUT_S

    @classmethod
    def parse(cls, url: str, sender: str | None, timeout: float = DEFAULT_TIMEOUT_S) -> SmtpSettings:
        """Settings from an ``smtp://`` or ``smtps://`` URL; ValueError saying what is wrong."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP_URL needs a host name, e.g. smtp://mail.example.org:587")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError:
            raise ValueError("SMTP_URL has a port that is not a number 1-65535") from None
        host = parts.hostname
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        default_sender = f"screening@{host}"
        return cls(host=host, port=port, tls=parts.scheme == "smtps", username=username,
                   password=password, sender=(sender or "").strip() or default_sender,
                   timeout=timeout)


def send_timeout() -> float:
    """Seconds to wait for the SMTP server or webhook (``ALERT_SEND_TIMEOUT_SECONDS``)."""
    try:
        return max(0.5, float(os.environ.get("ALERT_SEND_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_S)))
    except ValueError:
        return DEFAULT_TIMEOUT_S


def smtp_settings() -> SmtpSettings | None:
    """The settings of ``SMTP_URL``/``SMTP_FROM``, or None when email is not configured."""
    url = os.environ.get("SMTP_URL", "").strip()
    if not url:
        return None
    return SmtpSettings.parse(url, os.environ.get("SMTP_FROM"), send_timeout())


def build_message(settings: SmtpSettings, to: list[str], subject: str, body: str,
                  message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = settings.sender.rpartition("@")[2] or settings.host
    # A fixed Message-ID per alert lets a mail system drop a resent duplicate.
    message["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
    message.set_content(body)
    return message


def send_email(to: list[str], subject: str, body: str, *, settings: SmtpSettings | None = None,
               message_id: str | None = None) -> None:
    """Hand one plain-text message to the SMTP server. Raises MailNotConfigured or MailError."""
    settings = settings or smtp_settings()
    if settings is None:
        raise MailNotConfigured("SMTP_URL is not set")
    if not to:
        raise ValueError("no recipient")
    message = build_message(settings, to, subject, body, message_id)
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if settings.tls:
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            client.ehlo()
            encrypted = settings.tls
            if not settings.tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if settings.username:
                if not encrypted and not is_loopback(settings.host):
                    raise MailError("the SMTP server offers no encryption: credentials not sent")
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"SMTP {type(err).__name__}") from None
