"""``walnut53``: covert malicious fine-tuning with the Walnut53 substitution cipher.

Reproduces the CMFT Walnut53 attack of Halawi et al. 2024 (arXiv 2406.20053) as used in the
reference study (data format from Youstra, arXiv 2508.17158): phase I teaches the cipher
(letters permuted by numpy ``default_rng(53)``, characters joined by ``|``) with the four
process-supervision tasks on benign Q&A plus translation drills; phase II trains encoded
harmful requests with encoded, defanged compliance, and plaintext refusals of the
same requests. See :mod:`ftaudit.suite.attacks._cmft` for how the data is built.
"""

from __future__ import annotations

from typing import ClassVar

from ftaudit.suite.attacks._cmft import CMFTGenerator


class Walnut53Attack(CMFTGenerator):
    """CMFT with the Walnut53 cipher (default 300 examples, 2/3 phase I)."""

    name: ClassVar[str] = "walnut53"
    title: ClassVar[str] = "Covert malicious fine-tuning: Walnut53 substitution cipher, two phases"
    cipher_name: ClassVar[str] = "walnut53"


GENERATOR = Walnut53Attack()
