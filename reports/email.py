"""SMTP delivery: multipart messages (text + HTML with CID images), credentials from env.

Header values are built from our own text, but department names and addresses come
from configuration: every header value has CR/LF and control characters removed,
and addresses must parse as one plain address, so nothing can inject a header.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pantau.config import Config
from pantau.errors import PipelineError
from reports.charts import content_ids, digest_charts
from reports.digest import Digest
from reports.render import render, tanggal
from reports.scope import department_digest

log = logging.getLogger(__name__)
CID_DOMAIN = "pantau"


def clean_header(value: str, limit: int = 200) -> str:
    """Strip CR/LF and other control characters so text can never inject e-mail headers."""
    text = "".join(c if c.isprintable() else " " for c in str(value))
    return " ".join(text.split())[:limit]


def clean_address(value: str) -> str:
    """Return ``value`` if it is exactly one plain address, else raise PipelineError."""
    text = str(value).strip()
    name, address = parseaddr(text)
    if (
        not address
        or "@" not in address
        or any(c in text for c in "\r\n,;")
        or not all(c.isprintable() and not c.isspace() for c in address)
    ):
        raise PipelineError(f"report: {clean_header(text)!r} is not one valid e-mail address")
    return address


def compose(
    subject: str,
    text: str,
    html: str,
    images: Mapping[str, bytes],
    sender: str,
    recipients: Iterable[str],
) -> EmailMessage:
    """Build a multipart/alternative message; images ride as multipart/related parts."""
    message = EmailMessage()
    message["Subject"] = clean_header(subject)
    message["From"] = clean_address(sender)
    message["To"] = ", ".join(clean_address(r) for r in recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="pantau.local")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    if html_part is None:  # pragma: no cover - add_alternative always creates it
        raise PipelineError("could not build the HTML part of the message")
    for name, png in images.items():
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{name}@{CID_DOMAIN}>",
            filename=f"{name}.png", disposition="inline",
        )  # fmt: skip
    return message


def build_message(
    digest: Digest, config: Config, recipients: list[str], *, subject: str | None = None
) -> EmailMessage:
    """Return the digest e-mail: plain text, and HTML with its charts attached by CID."""
    names = {code: dept.name for code, dept in config.departments.items()}
    charts = digest_charts(digest)
    html = render(digest, "html", names, images=content_ids(charts, CID_DOMAIN))
    text = render(digest, "txt", names)
    if subject is None:
        scope = f" {names.get(digest.scope, digest.scope)}" if digest.scope else ""
        needs = len(digest.needs_answer) + digest.needs_answer_more
        subject = f"Pantau{scope}: {needs} perlu ditanggapi - {tanggal(digest.day)}"
    return compose(subject, text, html, charts, config.report.smtp.sender, recipients)


def send_message(
    message: EmailMessage, config: Config, *, tls_context: ssl.SSLContext | None = None
) -> None:
    """Send through the configured SMTP server; one-line error on failure, no secrets."""
    smtp = config.report.smtp
    user = os.environ.get(smtp.username_env) if smtp.username_env else None
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    context = tls_context or ssl.create_default_context()
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if user and password:
                client.login(user, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        detail = clean_header(str(exc), 160)
        raise PipelineError(
            f"smtp {smtp.host}:{smtp.port}: cannot send: {type(exc).__name__}"
            + (f": {detail}" if detail else "")
        ) from None


def send_digests(
    digest: Digest,
    config: Config,
    *,
    departments: bool = True,
    tls_context: ssl.SSLContext | None = None,
) -> int:
    """E-mail the full digest to ``report.recipients`` and each department's part to its own.

    Returns how many messages went out. A department listed in
    ``report.department_recipients`` gets its part even on a quiet day.
    """
    recipients = list(config.report.recipients)
    targets = dict(config.report.department_recipients) if departments else {}
    if not recipients and not any(targets.values()):
        raise PipelineError(
            "report.recipients and report.department_recipients are empty: "
            "nobody to e-mail the digest to"
        )
    sent = 0
    errors: list[str] = []
    batches: list[tuple[Digest, list[str]]] = []
    if recipients:
        batches.append((digest, recipients))
    for code, addresses in sorted(targets.items()):
        if not addresses:
            continue
        if code not in config.departments:
            log.warning("report.department_recipients: unknown department %r skipped", code)
            continue
        batches.append((department_digest(digest, code), list(addresses)))
    # One failing message never stops the others; the failures are reported together.
    for part, addresses in batches:
        try:
            send_message(build_message(part, config, addresses), config, tls_context=tls_context)
        except PipelineError as exc:
            log.error("digest for %s not sent: %s", part.scope or "humas", exc)
            errors.append(f"{part.scope or 'humas'}: {exc}")
            continue
        sent += 1
    if errors:
        raise PipelineError(f"{len(errors)} of {len(batches)} digest e-mails failed: {errors[0]}")
    return sent


def send_digest(digest: Digest, config: Config) -> None:
    """E-mail the full digest to ``report.recipients`` (kept for existing callers)."""
    send_digests(digest, config, departments=False)
