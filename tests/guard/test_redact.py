"""Redaction: a hand-written table of texts that must be redacted and texts that must not."""

from __future__ import annotations

import pytest

from alignment_studio.guard.redact import (
    iban_valid,
    luhn_valid,
    merge_counts,
    redact,
    redact_messages,
)
from alignment_studio.types import Message

# (text, expected text, expected counts): every expectation written by hand.
POSITIVE: list[tuple[str, str, dict[str, int]]] = [
    ("Mail ana.lopez+hr@example.co.uk today.", "Mail [EMAIL] today.", {"EMAIL": 1}),
    ("a@b.io and x_y@mail.example.org", "[EMAIL] and [EMAIL]", {"EMAIL": 2}),
    # well-known test card numbers (Visa, Mastercard, Amex 4-6-5, Discover with hyphens)
    ("Card 4111 1111 1111 1111 exp 12/27", "Card [CARD] exp 12/27", {"CARD": 1}),
    ("5555555555554444", "[CARD]", {"CARD": 1}),
    ("amex 3782 822463 10005.", "amex [CARD].", {"CARD": 1}),
    ("6011-1111-1111-1117", "[CARD]", {"CARD": 1}),
    # a year after the card with the same separator stays: only the valid prefix is a card
    ("4111 1111 1111 1111 2024", "[CARD] 2024", {"CARD": 1}),
    ("IBAN DE89 3704 0044 0532 0130 00 for the refund", "IBAN [IBAN] for the refund",
     {"IBAN": 1}),
    ("GB82WEST12345698765432", "[IBAN]", {"IBAN": 1}),
    ("lower case de89370400440532013000", "lower case [IBAN]", {"IBAN": 1}),
    ("Two: DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32 ok",
     "Two: [IBAN] [IBAN] ok", {"IBAN": 2}),
    ("ref XX12 DE89 3704 0044 0532 0130 00", "ref XX12 [IBAN]", {"IBAN": 1}),
    ("SSN 123-45-6789.", "SSN [SSN].", {"SSN": 1}),
    ("from 192.168.1.20, then 8.8.8.8", "from [IP], then [IP]", {"IP": 2}),
    ("v6 2001:db8:85a3::8a2e:370:7334 here", "v6 [IP] here", {"IP": 1}),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329.", "full [IP].", {"IP": 1}),
    ("https://admin:hunter2@db.example.com/x", "https://[URL-CREDENTIALS]@db.example.com/x",
     {"URL-CREDENTIALS": 1}),
    ("key sk-proj-abcDEF1234567890abcdefXYZ ok", "key [TOKEN] ok", {"TOKEN": 1}),
    ("ghp_0123456789abcdefghijABCDEFGHIJ0123xy", "[TOKEN]", {"TOKEN": 1}),
    ("github_pat_11ABCDEFG0123456789_abcdefghij", "[TOKEN]", {"TOKEN": 1}),
    ("xoxb-123456789012-abcdef", "[TOKEN]", {"TOKEN": 1}),
    ("AKIAIOSFODNN7EXAMPLE", "[TOKEN]", {"TOKEN": 1}),
    ("AIzaSyA1234567890abcdefghijklmnopqrstuv", "[TOKEN]", {"TOKEN": 1}),
    ("hf_abcdefghijklmnopqrstuvwxyz01234567", "[TOKEN]", {"TOKEN": 1}),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3",
     "[TOKEN]", {"TOKEN": 1}),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- done",
     "[TOKEN] done", {"TOKEN": 1}),
    ("Call +1 415 555 2671 or (415) 555-2671", "Call [PHONE] or [PHONE]", {"PHONE": 2}),
    ("415.555.2671 / 415-555-2671", "[PHONE] / [PHONE]", {"PHONE": 2}),
    ("+44 (0)20 7946 0958", "[PHONE]", {"PHONE": 1}),
    ("London 020 7946 0958, Paris 06 12 34 56 78", "London [PHONE], Paris [PHONE]",
     {"PHONE": 2}),
    ("Berlin 030 12345678 or 0049 30 12345678", "Berlin [PHONE] or [PHONE]", {"PHONE": 2}),
    ("Ana (ana@example.com, +1 415 555 2671) paid with 4111111111111111",
     "Ana ([EMAIL], [PHONE]) paid with [CARD]", {"EMAIL": 1, "PHONE": 1, "CARD": 1}),
]

NEGATIVE: list[str] = [
    "See guidelines/gifts-and-entertainment/p-7c008c and guidelines/gifts/p-1a2b.",
    "p-1a2b3c4d5e6f7a8b9c",
    "Dated 2024-05-01, 01.05.2024, 05/01/2024 and 05-01-2024; at 2024-05-01T10:30:00Z.",
    "Meeting at 10:30:00 on Monday, 01.05.2024 10:30.",
    "Gifts up to $1,250.00 or EUR 12 500 or 1 250 000 or 1 299,00 EUR.",
    "Q3 revenue grew 12.5% to $4.2M (+15% growth), 20% of 45000.",
    "Section 4.2.1, version 2.10.3, pi 3.14159, room 0.5, 1990-2024.",
    "order 12345, PO 4500012345, INV-2024-000123, ISBN 978-3-16-148410-0",
    "4111 1111 1111 1112 fails Luhn",
    "GB82 WEST 1234 5698 7654 33 fails the IBAN checksum",
    "GB82WEST123456987654 is too short for GB",
    "SSNs never issued: 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000",
    "nine digits 123456789 without hyphens",
    "10.0.0.256 is no address and 1.2.3.4.5 is a version",
    "::1 and fe80::1 and Add::Bee and std::vector",
    "MAC 00:1A:2B:3C:4D:5E",
    "user@localhost has no domain",
    "https://user@host/path has no password",
    "sk-learn, task-force-with-a-long-name-here, desk-sk-abcdefghijklmnopqrstuvwx",
    "the words ghp and AKIA alone, hf_short",
    "ext. 1234 and +12 and +15 %",
    "[EMAIL] [PHONE] [CARD] [IBAN] [SSN] [IP] [URL-CREDENTIALS] [TOKEN]",
]


@pytest.mark.parametrize(("text", "expected", "counts"), POSITIVE)
def test_personal_data_is_replaced(text: str, expected: str, counts: dict[str, int]) -> None:
    done = redact(text)
    assert done.text == expected
    assert done.counts == counts
    assert redact(done.text).text == done.text  # a second pass finds nothing more


@pytest.mark.parametrize("text", NEGATIVE)
def test_ids_dates_and_amounts_are_kept(text: str) -> None:
    done = redact(text)
    assert done.text == text
    assert done.counts == {}


def test_luhn_by_hand() -> None:
    # 7992739871 + check digit 3: the worked example of the Luhn algorithm
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    # 4111 1111 1111 1111: the 4 and seven 1s doubled (8 + 14), eight 1s as they are (8): 30
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_iban_checksum_country_and_length() -> None:
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")  # checksum
    assert not iban_valid("GB82WEST123456987654")  # GB needs 22 characters
    assert not iban_valid("ZZ82WEST12345698765432")  # no such country


def test_messages_keep_roles_and_sum_counts() -> None:
    messages = [Message(role="system", content="You are a helpful assistant."),
                Message(role="user", content="I'm ana@example.com, card 4111111111111111"),
                Message(role="assistant", content="Noted."),
                Message(role="user", content="Also bo@example.org, from 10.1.2.3")]
    redacted, counts = redact_messages(messages)
    assert [m.role for m in redacted] == ["system", "user", "assistant", "user"]
    assert redacted[0] == messages[0] and redacted[2] == messages[2]
    assert redacted[1].content == "I'm [EMAIL], card [CARD]"
    assert redacted[3].content == "Also [EMAIL], from [IP]"
    assert counts == {"EMAIL": 2, "CARD": 1, "IP": 1}
    assert messages[1].content.startswith("I'm ana@")  # the input is left alone


def test_merge_counts_drops_zeros() -> None:
    assert merge_counts({"EMAIL": 1}, {"EMAIL": 2, "IP": 1}, {}) == {"EMAIL": 3, "IP": 1}
    assert merge_counts({"EMAIL": 0}) == {}
