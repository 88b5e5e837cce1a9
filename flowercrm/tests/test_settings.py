"""Settings from the environment, checked in a fresh interpreter per case."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "RAILWAY_ENVIRONMENT": "production",
    "SECRET_KEY": "p" * 20 + "Q9#x" * 10 + "z" * 20,
    "ALLOWED_HOSTS": "crm.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/flowercrm",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "RAILWAY_ENVIRONMENT"}
    }
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is required"),
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"REDIS_URL": ""}, "REDIS_URL is required"),
        ({"SECRET_KEY": "short-key"}, "at least 32 bytes"),
        ({"ALGORITHM": "none"}, "ALGORITHM must be one of"),
    ],
)
def test_production_refuses_to_start_misconfigured(change: dict[str, str], message: str) -> None:
    result = run_manage("check", env={**PRODUCTION, **change})
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_off_over_plain_http_keeps_working() -> None:
    result = run_manage("check", env={"SECRET_KEY": PRODUCTION["SECRET_KEY"], "DEBUG": "0"})
    assert result.returncode == 0, result.stderr
