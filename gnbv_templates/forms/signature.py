"""The issuing office's signature on a pack: HMAC-SHA256 over its metadata, forms and fingerprints.

The metadata's digest is a checksum anyone can recompute; the signature needs a key that only the
issuing office holds (a file, given as ``--key FILE`` or ``GNBV_KEY_FILE``).  With the key, a return
whose metadata was forged (a form left out, a unit or period changed) is told from an issued one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from gnbv_templates.errors import UsageError
from gnbv_templates.forms.metadata import Metadata

SIGNATURE_KEY = "meta_signature"
KEY_ENV = "GNBV_KEY_FILE"
MIN_KEY_BYTES = 16
_DOMAIN = b"gnbv-templates signature 1\n"


def load_key(path: Path | str | None = None) -> bytes | None:
    """The signing key from a file (or the file named by GNBV_KEY_FILE); None if neither is given."""
    path = path or os.environ.get(KEY_ENV) or None
    if path is None:
        return None
    try:
        key = Path(path).read_bytes().strip()
    except OSError:
        raise UsageError(f"Không đọc được tệp khóa {Path(path).name}.",
                         english=f"Cannot read the key file {Path(path).name}.") from None
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(f"Tệp khóa {Path(path).name} quá ngắn (cần ít nhất {MIN_KEY_BYTES} byte ngẫu nhiên).",
                         english=f"The key file {Path(path).name} is too short (at least {MIN_KEY_BYTES} bytes).")
    return key


def signed_text(meta: Metadata) -> bytes:
    """What is signed: every metadata field, the form list with each form's fingerprint included."""
    return _DOMAIN + meta.text().encode("utf-8")


def sign(meta: Metadata, key: bytes) -> str:
    return hmac.new(key, signed_text(meta), hashlib.sha256).hexdigest()


def verify(meta: Metadata, signature: str, key: bytes) -> bool:
    return hmac.compare_digest(sign(meta, key), signature.strip().lower())
