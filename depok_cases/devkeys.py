"""Development keys for the quick start, generated once and kept out of git.

Only used when DEBUG is on and a key is not in the environment. A production
start (DEBUG off) never reaches this module: missing keys stop start-up.
"""

import base64
import json
import secrets
from pathlib import Path


def load_or_create(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(keys, indent=1))
    path.chmod(0o600)
    return keys
