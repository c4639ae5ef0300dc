"""Tap-to-call and email links are made only from valid values, and encode what they hold."""

from __future__ import annotations

import pytest

from forms.contact import email_link, phone_link


@pytest.mark.parametrize(("value", "href"), [
    ("+1 (555) 123-4567", "tel:+15551234567"),
    ("555.123.4567", "tel:5551234567"),
    ("0044 20 7946 0958", "tel:00442079460958"),
    ("call me maybe", None),
    ("123", None),
    ("+1 555 123 4567 ext 2", None),
    ("javascript:alert(1)", None),
])
def test_phone_links(value, href):
    assert phone_link(value).href == href


@pytest.mark.parametrize(("value", "href"), [
    ("ann.lee@example.com", "mailto:ann.lee@example.com"),
    ("a+b@example.org", "mailto:a+b@example.org"),
    ("a)b(javascript:x)@ex.com", "mailto:a%29b%28javascript%3Ax%29@ex.com"),
    ("not an email", None),
    ("x@y.com?cc=evil@z.com", None),
    ("x@y.com&body=hi", None),
])
def test_email_links(value, href):
    assert email_link(value).href == href


@pytest.mark.parametrize("empty", [None, "", "   ", 5])
def test_no_value_no_link(empty):
    assert phone_link(empty) is None and email_link(empty) is None
