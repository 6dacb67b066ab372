"""Pseudonymous participant ids: the pseudonymisation boundary (DESIGN.md principle 3).

A participant's real reference (e.g. ``CL-0042`` from the register) never leaves ingest. In
its place every table carries a ``pid``: a keyed hash (HMAC-SHA256) of the reference, cut to a
short readable id such as ``p_3f9a1c2b7d``. The same key always gives the same pid, so a
re-run links to earlier outputs and to the decision log; without the key nobody can work back
from a pid to a person, nor check a guessed reference against one.

Where the key comes from, first match wins:

1. the environment variable ``LXT_PSEUDONYM_KEY`` (at least 16 characters);
2. the key file named by ``LXT_PSEUDONYM_KEY_FILE``;
3. ``pseudonym.key`` in the user's configuration folder (``platformdirs``), created with a
   random key and a clear warning on first use.

The key file must live outside the project repository and outside ``outputs/``: anyone holding
it and the register can re-identify people. Keep a copy somewhere safe (losing it means new
pids, which breaks the link to earlier coding decisions). The reference-to-pid mapping is
never written to ``outputs/``.

Example
-------
>>> p = Pseudonymiser(b"a key used only for this example")
>>> p.pid("CL-0042")
'p_aeebdd65ff'
>>> p.pid(" CL-0042 ") == p.pid("CL-0042")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from toolkit.errors import Problem, UserError

KEY_ENV = "LXT_PSEUDONYM_KEY"
KEY_FILE_ENV = "LXT_PSEUDONYM_KEY_FILE"
KEY_FILE_NAME = "pseudonym.key"
MIN_KEY_LENGTH = 16
# 10 hex digits = 40 bits: collisions are vanishingly unlikely for studies of thousands of
# people, and the id is still short enough to read aloud. Collisions are checked anyway.
PID_HEX_DIGITS = 10
PID_PREFIX = "p_"


def normalise_reference(reference: object) -> str:
    """The form of a participant reference that is hashed: surrounding spaces removed.

    Case is kept: ``cl-1`` and ``CL-1`` are different references, as they are in the register.
    """
    return str(reference).strip()


class Pseudonymiser:
    """Turn participant references into keyed pseudonymous ids (pids).

    Parameters
    ----------
    key : bytes
        The secret key. Use :meth:`from_environment` to get the study team's key.

    Examples
    --------
    >>> p = Pseudonymiser(b"a key used only for this example")
    >>> p.pid("CL-0042").startswith("p_"), len(p.pid("CL-0042"))
    (True, 12)
    """

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"the pseudonym key must be at least {MIN_KEY_LENGTH} bytes long")
        self._key = key

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymiser(key=<hidden>)"

    @property
    def key_id(self) -> str:
        """A short fingerprint of the key, safe to record: it tells keys apart, reveals nothing.

        Recorded in the manifest so that outputs built with different keys can be told apart.
        """
        return hmac.new(self._key, b"lxt key id", hashlib.sha256).hexdigest()[:8]

    def pid(self, reference: object) -> str:
        """Return the pid of one participant reference."""
        message = normalise_reference(reference).encode("utf-8")
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        return PID_PREFIX + digest[:PID_HEX_DIGITS]

    def mapping(self, references) -> dict[str, str]:
        """Map each reference to its pid; raise if two references share a pid.

        The mapping stays in memory: it must never be written under ``outputs/``.
        """
        out: dict[str, str] = {}
        seen: dict[str, str] = {}
        for ref in references:
            ref = normalise_reference(ref)
            pid = self.pid(ref)
            if pid in seen and seen[pid] != ref:  # pragma: no cover - 1 in 10^12 per pair
                raise UserError(
                    f"two participant references give the same pid ({pid}); "
                    "please report this so the pid length can be increased"
                )
            seen[pid] = ref
            out[ref] = pid
        return out

    @classmethod
    def from_environment(cls, create: bool = True, forbidden: list[Path] | None = None):
        """Build a pseudonymiser from the study team's key (see the module docstring).

        Parameters
        ----------
        create : bool
            Create a new random key file, with a warning, if none exists yet.
        forbidden : list of Path, optional
            Folders the key file must not be inside (the repository, the outputs folder).
        """
        return cls(load_key(create=create, forbidden=forbidden))


def default_key_file() -> Path:
    """Where the key file lives unless ``LXT_PSEUDONYM_KEY_FILE`` says otherwise."""
    override = os.environ.get(KEY_FILE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("lxt", appauthor=False)) / KEY_FILE_NAME


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def load_key(create: bool = True, forbidden: list[Path] | None = None) -> bytes:
    """Return the pseudonym key from the environment or the key file (see module docstring)."""
    from toolkit.resources import checkout_root

    text = os.environ.get(KEY_ENV)
    if text is not None:
        if len(text.strip()) < MIN_KEY_LENGTH:
            raise UserError(
                Problem(
                    KEY_ENV,
                    "the pseudonym key is too short",
                    expected=f"at least {MIN_KEY_LENGTH} characters (a long random phrase)",
                )
            )
        return text.strip().encode("utf-8")

    path = default_key_file()
    for folder in [checkout_root(), *(forbidden or [])]:
        if folder is None:  # an installed toolkit: no repository to keep the key out of
            continue
        if _inside(path, folder):
            raise UserError(
                Problem(
                    str(path),
                    "the pseudonym key file is inside the project or outputs folder",
                    expected="a key file kept outside the repository (set "
                    f"{KEY_FILE_ENV} to another place)",
                )
            )
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < MIN_KEY_LENGTH:
            raise UserError(
                Problem(
                    str(path),
                    "the pseudonym key file is empty or too short",
                    expected=f"at least {MIN_KEY_LENGTH} characters",
                )
            )
        return key.encode("utf-8")
    if not create:
        raise UserError(
            Problem(str(path), "no pseudonym key found", expected=f"{KEY_ENV} or a key file")
        )
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write with owner-only permissions from the start, not chmod afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    sys.stderr.write(
        f"warning: created a new pseudonym key at {path}.\n"
        "  Participant ids (pids) are made from this key. Keep a safe copy of it: with a\n"
        "  different key every pid changes and earlier outputs no longer match. Never put it\n"
        "  in the project folder or share it with the outputs.\n"
    )
    return key.encode("utf-8")
