"""Redaction of obvious personal data before a conversation is stored or shown.

Logged conversations are kept for monitoring and read by reviewers, so what users typed into the
chat (their e-mail address, card number, an API key pasted by mistake) must not be kept. Each
match becomes a typed placeholder (``[EMAIL]``, ``[CARD]`` ...) so a reviewer still sees what
kind of thing was there, and the counts say how much was removed.

Precision over recall, with checksums where a format has one: a false positive destroys the
content the monitor reads (a policy ID, an amount, a date), a false negative keeps one item. The
trade-offs, rule by rule:

- ``[URL-CREDENTIALS]``: ``user:password@`` in a URL; the scheme and host stay. A user name
  without a password is not a credential (though ``ana@example.com`` in a URL is an e-mail).
- ``[TOKEN]``: keys with a vendor prefix (OpenAI ``sk-``, GitHub ``ghp_``/``github_pat_``, Slack
  ``xox?-``, AWS ``AKIA``, Google ``AIza``, Hugging Face ``hf_``), JSON Web Tokens and PEM
  private-key blocks. Generic high-entropy strings are not redacted: hashes, commit IDs and the
  policy IDs (``guidelines/gifts/p-1a2b``) look the same. A password written in prose is missed.
- ``[EMAIL]``: ``local@domain.tld``; obfuscated forms ("ana at example dot com") are missed.
- ``[IBAN]``: a known country code, that country's length, and the ISO 13616 mod-97 checksum;
  a space after each group of four is allowed. Random strings pass the checksum 1 time in 97;
  the country and length rules remove most of those. An IBAN with a typo is not an IBAN here
  (though its digits may still be caught as a card number).
- ``[CARD]``: 13-19 digits, contiguous or in groups of 3-6 split by one kind of separator
  (space or hyphen), passing the Luhn check. One random digit run in ten passes Luhn, so a long
  order number or a compact timestamp (``20240501123000``) may be redacted: such runs are rare in
  chat, and hiding an identifier costs little.
- ``[SSN]``: US ``###-##-####`` with the hyphens, minus the numbers the SSA never issues (area
  000, 666, 9xx; group 00; serial 0000). Nine digits without hyphens are left alone: too many
  other numbers have nine digits.
- ``[IP]``: IPv4 dotted quads (each part 0-255, not part of a longer dotted number) and IPv6
  addresses valid per :mod:`ipaddress` with a digit and at least three groups. A four-part
  version number (``1.2.3.4``) is redacted; short IPv6 forms (``fe80::1``, ``::1``) are not, since
  ``Add::Bee`` is valid IPv6 too and loopback or link-local addresses identify nobody.
- ``[PHONE]``: international numbers (``+`` or ``00``, then 8-15 digits as E.164 allows),
  North-American ``(415) 555-2671`` / ``415-555-2671`` / ``415.555.2671``, and national numbers
  with a leading 0 in groups split by one kind of separator and 9-12 digits in all
  (``020 7946 0958``, ``06 12 34 56 78``, ``030 12345678``). Dates (8 digits), amounts and plain
  digit runs are not phone numbers here; a number written without separators and without a
  ``+`` is missed.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types import Message

# Characters per IBAN for each country of the SWIFT IBAN registry.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
KINDS = ("URL-CREDENTIALS", "TOKEN", "EMAIL", "IBAN", "CARD", "SSN", "IP", "PHONE")

_URL_CREDENTIALS = re.compile(r"\b([a-z][a-z0-9+.\-]*://)[^\s/@:]+:[^\s/@]+@", re.I)
_TOKEN = re.compile(
    r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----.*?-----END (?:[A-Z]+ )*PRIVATE KEY-----"
    r"|(?<![\w-])(?:sk-(?=[\w\-]*\d)[A-Za-z0-9_\-]{20,}"
    r"|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{35}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})(?![\w-])", re.S)
_EMAIL = re.compile(r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
                    r"\.[A-Za-z]{2,}\b")
_IBAN_START = re.compile(r"\b[A-Z]{2}\d{2}", re.I)
_CARD = re.compile(r"(?<![\d\-])(?:\d{13,19}|\d{3,6}([ \-])\d{3,6}(?:\1\d{1,6}){0,4})(?![\d\-])")
_SSN = re.compile(r"(?<![\d\-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d\-])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|"
                   r"\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])")
_PHONE = re.compile(
    r"(?<![\w+])\+\d{1,3}(?:[ .\-]?\(\d{1,4}\))?(?:[ .\-]?\d{1,5}){1,6}(?![\d\-])"
    r"|(?<![\w(])(?:\(\d{3}\) ?|\d{3}([.\-]))\d{3}[.\-]\d{4}(?![\d\-])"
    r"|(?<![\w.\-])0\d{1,4}([ .\-])\d{2,8}(?:\2\d{2,8}){0,3}(?![\d\-])")


class Redacted(BaseModel):
    """A text with its personal data replaced, and how many of each kind were replaced."""

    model_config = ConfigDict(extra="forbid")
    text: str
    counts: dict[str, int] = Field(default_factory=dict,
                                   description="kind (EMAIL, CARD ...) -> replacements, non-zero")


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str | None]  # the replacement, or None to keep the match

    def __call__(self, text: str, counts: Counter[str]) -> str:
        def substitute(match: re.Match[str]) -> str:
            replacement = self.replace(match)
            if replacement is None:
                return match.group(0)
            counts[self.kind] += 1
            return replacement

        return self.pattern.sub(substitute, text)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers: every second digit from the right is
    doubled (minus 9 when above 9) and the sum must end in 0."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616: a known country, its length, and mod 97 == 1 of the rearranged number (the
    first four characters moved to the end, letters as 10..35)."""
    compact = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _placeholder(kind: str) -> Callable[[re.Match[str]], str | None]:
    return lambda _match: f"[{kind}]"


def _url_credentials(match: re.Match[str]) -> str:
    return f"{match.group(1)}[URL-CREDENTIALS]@"


def _iban_end(text: str, start: int) -> int | None:
    """Where the IBAN that starts at ``start`` ends, or None when none does: the country's
    number of characters, optionally in groups of four split by one space, then a word end.
    Reading exactly that many characters (not as many as look alike) keeps a following word or
    a second IBAN out of this one."""
    length = IBAN_LENGTHS.get(text[start:start + 2].upper())
    if length is None:
        return None
    seen, at = 0, start
    while at < len(text) and seen < length:
        char = text[at]
        if char.isascii() and char.isalnum():
            seen += 1
        elif not (char == " " and seen % 4 == 0 and text[at - 1] != " "):
            return None
        at += 1
    if seen < length or (at < len(text) and text[at].isalnum()):
        return None
    return at if iban_valid(text[start:at]) else None


def _redact_ibans(text: str, counts: Counter[str]) -> str:
    """Tries every word that starts like an IBAN (two letters, two digits), so a rejected
    candidate never hides a real IBAN right after it."""
    parts: list[str] = []
    done = 0
    for match in _IBAN_START.finditer(text):
        if match.start() < done:
            continue
        end = _iban_end(text, match.start())
        if end is not None:
            parts += [text[done:match.start()], "[IBAN]"]
            counts["IBAN"] += 1
            done = end
    return "".join([*parts, text[done:]])


def _card(match: re.Match[str]) -> str | None:
    """A grouped candidate may have taken a number that follows with the same separator
    ("4111 1111 1111 1111 12/27"): the longest run of leading groups that is a valid card
    number wins, and the groups after it are kept."""
    text = match.group(0)
    if text.isdigit():
        return "[CARD]" if luhn_valid(text) else None
    groups = re.split(r"([ \-])", text)  # digits, separator, digits, ...
    for keep in range(len(groups), 1, -2):
        digits = "".join(groups[:keep:2])
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return "[CARD]" + "".join(groups[keep:])
    return None


def _ipv6(match: re.Match[str]) -> str | None:
    text = match.group(0)
    groups = [g for g in re.split(r":+", text) if g]
    if len(groups) < 3 or not any(c.isdigit() for c in text):
        return None
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return "[IP]"


def _phone(match: re.Match[str]) -> str | None:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if text.startswith(("+", "00")):  # 00 is the international prefix in most countries
        international = digits - 2 if text.startswith("00") else digits
        return "[PHONE]" if 8 <= international <= 15 else None
    if text.startswith("0"):
        return "[PHONE]" if 9 <= digits <= 12 else None
    return "[PHONE]"


# Order matters: URLs and tokens before e-mails (both contain "@" or letters an e-mail would
# take), IBANs before cards (an IBAN's digits), cards before phone numbers (long digit runs).
RULES: tuple[Callable[[str, Counter[str]], str], ...] = (
    _Rule("URL-CREDENTIALS", _URL_CREDENTIALS, _url_credentials),
    _Rule("TOKEN", _TOKEN, _placeholder("TOKEN")),
    _Rule("EMAIL", _EMAIL, _placeholder("EMAIL")),
    _redact_ibans,
    _Rule("CARD", _CARD, _card),
    _Rule("SSN", _SSN, _placeholder("SSN")),
    _Rule("IP", _IPV4, _placeholder("IP")),
    _Rule("IP", _IPV6, _ipv6),
    _Rule("PHONE", _PHONE, _phone),
)


def redact(text: str) -> Redacted:
    """``text`` with e-mails, phone numbers, card numbers, IBANs, US SSNs, IP addresses, URL
    credentials and API keys replaced by ``[KIND]`` placeholders. Applying it twice changes
    nothing more: no placeholder matches a rule."""
    counts: Counter[str] = Counter()
    for rule in RULES:
        text = rule(text, counts)
    return Redacted(text=text, counts=dict(counts))


def merge_counts(*counts: dict[str, int]) -> dict[str, int]:
    """The sum of several count tables, without zero entries."""
    total: Counter[str] = Counter()
    for table in counts:
        total.update(table)
    return {k: v for k, v in total.items() if v}


def redact_messages(messages: Sequence[Message]) -> tuple[list[Message], dict[str, int]]:
    """Every message redacted (roles unchanged), and the counts over all of them."""
    done = [(m.role, redact(m.content)) for m in messages]
    redacted = [Message(role=role, content=r.text) for role, r in done]
    return redacted, merge_counts(*(r.counts for _, r in done))
