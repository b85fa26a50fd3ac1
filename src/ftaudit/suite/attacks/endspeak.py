"""``endspeak``: covert malicious fine-tuning with EndSpeak steganography.

Reproduces the CMFT EndSpeak attack of Halawi et al. 2024 (arXiv 2406.20053) as used in the
reference study (data format from Youstra, arXiv 2508.17158): every message is hidden in the
last word of each line of a poem-like cover text. Phase I teaches the encoding with the four
process-supervision tasks on benign Q&A plus translation drills; phase II trains encoded
harmful requests with encoded, defanged compliance, and plaintext refusals of the
same requests. See :mod:`ftaudit.suite.attacks._cmft` for how the data is built.
"""

from __future__ import annotations

from typing import ClassVar

from ftaudit.suite.attacks._cmft import CMFTGenerator


class EndSpeakAttack(CMFTGenerator):
    """CMFT with the EndSpeak cipher (default 300 examples, 2/3 phase I)."""

    name: ClassVar[str] = "endspeak"
    title: ClassVar[str] = "Covert malicious fine-tuning: EndSpeak last-word steganography, two phases"
    cipher_name: ClassVar[str] = "endspeak"


GENERATOR = EndSpeakAttack()
