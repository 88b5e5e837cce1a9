"""Fixtures of the accounts tests."""

from apps.accounts.tests.otp_support import clock  # noqa: F401  (fixture)
