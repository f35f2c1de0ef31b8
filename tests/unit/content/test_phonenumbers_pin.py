"""content/phonebounds.py extends phonenumbers' matcher: the installed version must be the one it was written for."""
from __future__ import annotations

from importlib import metadata

from brandguard.content import phonebounds


def test_installed_phonenumbers_is_the_version_the_subclass_extends() -> None:
    # Matcher overrides PhoneNumberMatcher._parse_and_verify and DigitLines relies on its candidate pattern:
    # another phonenumbers needs both re-read before the pin in pyproject.toml moves
    assert metadata.version("phonenumbers") == phonebounds.PHONENUMBERS_VERSION
