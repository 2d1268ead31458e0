"""Check-in codes: six characters that change every minute, derived, never stored.

The code of minute *m* (minutes since the epoch, UTC) is HMAC-SHA256 of the
meeting's secret and *m*, written in an alphabet without look-alikes (no 0/O,
1/I/L), so a learner reading it off a projector or a phone types it right (small
letters are read as capitals).
The code shown now and the one of the minute before are accepted: a learner
who reads the code at 10:00:59 and types it at 10:01:10 is not refused; a code
older than that has expired. Knowing a code tells nothing of the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
PERIOD_SECONDS = 60


def minute_of(now: dt.datetime) -> int:
    return int(now.timestamp()) // PERIOD_SECONDS


def code_for(secret: str, minute: int) -> str:
    digest = hmac.new(bytes.fromhex(secret), str(minute).encode("ascii"), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(secret: str, now: dt.datetime) -> str:
    return code_for(secret, minute_of(now))


def seconds_left(now: dt.datetime) -> int:
    """Seconds until the code shown now changes."""
    return PERIOD_SECONDS - int(now.timestamp()) % PERIOD_SECONDS


def normalized(typed: str) -> str:
    """What a learner typed, as a code: capitals, without blanks or dashes."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -\t")[:2 * LENGTH]


def accepted(secret: str, typed: str, now: dt.datetime) -> bool:
    """The code of this minute or of the one before, compared in constant time."""
    code = normalized(typed)
    if len(code) != LENGTH:
        return False
    minute = minute_of(now)
    matches = [hmac.compare_digest(code, code_for(secret, m)) for m in (minute, minute - 1)]
    return any(matches)
