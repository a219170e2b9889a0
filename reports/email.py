"""SMTP delivery of digests: HTML and plain-text parts, credentials from the environment."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pantau.config import Config
from pantau.errors import PipelineError
from reports.digest import Digest
from reports.render import render, tanggal


def _header(value: str) -> str:
    """Strip CR/LF so untrusted text can never inject e-mail headers."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def build_message(digest: Digest, config: Config, recipients: list[str]) -> EmailMessage:
    """Return the digest e-mail: text part, HTML alternative."""
    names = {code: dept.name for code, dept in config.departments.items()}
    message = EmailMessage()
    message["Subject"] = _header(f"Pantau: ringkasan harian {tanggal(digest.day)}")
    message["From"] = _header(config.report.smtp.sender)
    message["To"] = ", ".join(_header(r) for r in recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="pantau.local")
    message.set_content(render(digest, "txt", names))
    message.add_alternative(render(digest, "html", names), subtype="html")
    return message


def send_message(message: EmailMessage, config: Config) -> None:
    """Send through the configured SMTP server; one-line error on failure."""
    smtp = config.report.smtp
    user = os.environ.get(smtp.username_env) if smtp.username_env else None
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host,
                smtp.port,
                timeout=smtp.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if user and password:
                client.login(user, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise PipelineError(
            f"smtp {smtp.host}:{smtp.port}: cannot send: {type(exc).__name__}"
        ) from None


def send_digest(digest: Digest, config: Config) -> None:
    """E-mail the full digest to ``report.recipients``."""
    recipients = list(config.report.recipients)
    if not recipients:
        raise PipelineError("report.recipients is empty: nobody to e-mail the digest to")
    send_message(build_message(digest, config, recipients), config)
