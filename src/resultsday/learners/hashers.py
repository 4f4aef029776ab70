"""The hasher for learners' access codes: salted PBKDF2, with far fewer rounds than passwords.

A password is chosen by a person, so it may be guessable, and only a slow hash protects it if
the table leaks. An access code is not chosen: it is 12 characters drawn at random from 31
(about 2^59 codes), and online guessing is stopped by the sign-in lockout. What a slow hash
would add is offline cost, and at these rounds (2^59 codes x 1,000 rounds) finding one code
from a stolen hash still takes a GPU on the order of a thousand years. What a slow hash
would cost is real: at Django's default of about 0.3 s a hash, codes for a class of 300 would
take a minute and a half in one request, and every code sign-in on results day would hold a
CPU for as long.

Registered in PASSWORD_HASHERS after Django's defaults, so user passwords keep the default
hasher, and `check_password` still verifies codes stored before this hasher existed by the
prefix of their hash.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class AccessCodeHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with a random salt and 1,000 rounds: under a millisecond a code."""

    algorithm = "pbkdf2_sha256_code"
    iterations = 1_000


# The name `make_password(hasher=...)` takes.
ACCESS_CODE_HASHER = AccessCodeHasher.algorithm
