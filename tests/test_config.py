"""The shipped Streamlit configuration is safe for patient data."""

from __future__ import annotations

import tomllib

import pytest

from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


@pytest.mark.parametrize(("section", "key", "expected"), [
    ("server", "address", "127.0.0.1"),  # not every interface
    ("server", "enableXsrfProtection", True),
    ("server", "enableCORS", True),
    ("client", "showErrorDetails", "none"),  # no tracebacks with answers in browsers
    ("client", "toolbarMode", "viewer"),
    ("browser", "gatherUsageStats", False),
    ("client", "disableDataExport", True),  # no unaudited CSV from table toolbars
    ("server", "enableAgentApi", False),  # no second, experimental way into sessions
])
def test_safe_setting(section, key, expected):
    assert CONFIG[section][key] == expected


def test_upload_limit_is_small():
    assert CONFIG["server"]["maxUploadSize"] <= 10


def test_no_secrets_in_git():
    assert not (ROOT / ".streamlit" / "secrets.toml").exists() or ".streamlit/secrets.toml" in (
        ROOT / ".gitignore").read_text()
    assert "cookieSecret" not in (ROOT / ".streamlit" / "config.toml").read_text()


def test_sample_proxy_config_sets_what_the_app_relies_on():
    sample = (ROOT / "docs" / "nginx.conf").read_text()
    for needed in ("Strict-Transport-Security", "frame-ancestors 'none'",
                   'X-Content-Type-Options "nosniff"', "location = /_stcore/metrics { return 404; }",
                   "ssl_certificate", "proxy_set_header Upgrade", "ip_hash"):
        assert needed in sample, needed
    readme = (ROOT / "README.md").read_text()
    assert "## Deployment behind a reverse proxy" in readme and "docs/nginx.conf" in readme
