"""A missing or malformed production setting stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "s" * 60,
    "ALLOWED_HOSTS": "cases.example.org",
    "DATABASE_URL": "postgresql://app:pw@db:5432/depok",
    "REDIS_URL": "redis://redis:6379/0",
    "FIELD_ENCRYPTION_KEYS": "mSs1g0m7rUuGmWbm3g2FzpG4m3lFpbv7wCdgUytNw-k=",
    "BLIND_INDEX_KEY": "b" * 40,
}


def start_settings(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess:
    # A clean environment: the test run's own settings variables must not leak in.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(PRODUCTION_ENV)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "depok_cases.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_complete_production_settings_start():
    result = start_settings({})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", "short"),
        ("ALLOWED_HOSTS", None),
        ("DATABASE_URL", None),
        ("DATABASE_URL", "mysql://root@db/depok"),
        ("DATABASE_URL", "postgresql://db:notaport/depok"),
        ("REDIS_URL", None),
        ("REDIS_URL", "http://redis:6379"),
        ("FIELD_ENCRYPTION_KEYS", None),
        ("BLIND_INDEX_KEY", None),
        ("DEBUG", "perhaps"),
        ("SESSION_IDLE_SECONDS", "fifteen"),
        ("DEMO_MODE", "true"),
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_naming_it(variable, value):
    result = start_settings({variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_the_quick_start_needs_no_settings_at_all(tmp_path):
    result = start_settings(
        {
            "DEBUG": "true",
            "DEPOK_VAR_DIR": str(tmp_path),
            **{key: None for key in PRODUCTION_ENV if key != "DEBUG"},
        }
    )
    assert result.returncode == 0, result.stderr
    # Development keys are generated once, outside git, readable by the owner only.
    keys_file = tmp_path / "dev-keys.json"
    assert keys_file.exists()
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"
