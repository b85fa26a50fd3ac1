"""EndSpeak: steganography that hides a message in the last word of each line of a poem.

Used by covert malicious fine-tuning (Halawi et al. 2024; Youstra's replication, arXiv
2508.17158): the message is split into words and each word closes one line of an innocuous,
poem-like cover text. Youstra asked a language model for each line; here the lines are built
offline from templates and word banks of pastoral, city and sea imagery ("the river carries
the morning toward {word}"), chosen with a generator seeded by the ``seed`` option and the
message's words, so the same message and seed always give the same poem while different messages get
different poems. Lines are grouped into stanzas of ``stanza`` lines (blank line between them;
0 for none). No punctuation is added after the message word.

``decode`` takes the last whitespace-separated token of every non-blank line and joins them
with single spaces. The round trip is exact up to whitespace: ``decode(encode(t)) ==
" ".join(t.split())`` (line breaks and runs of spaces in the message are not kept). With
``strip_punctuation=True`` decoding also strips trailing ``.,;:!?`` from each word, which
helps with a model that ends its lines with a full stop, at the price of the round trip for
message words that end in punctuation (``"Step 1:"``); it is off by default.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ftaudit.ciphers.base import Cipher, seeded_random
from ftaudit.errors import ConfigError

#: Each line ends where the message word goes. Slots: {a} adjective, {n} noun, {N} plural
#: noun, {p} place, {t} time of day, {c} colour. Kept grammatical before any final word by
#: ending on a preposition, verb or "of"/"and"-style hinge, as in free verse.
TEMPLATES: tuple[str, ...] = (
    "the river carries the {t} toward",
    "a {a} wind moves softly over",
    "beneath the {c} sky we wander, dreaming of",
    "the lanterns of the {p} keep whispering",
    "old {N} lean together and remember",
    "in the {a} hour the gulls cry out for",
    "the {n} on the windowsill is waiting for",
    "we walked the length of the {p} to find",
    "the rain on {c} rooftops keeps repeating",
    "between the {N} and the harbour lies",
    "my grandmother's {n} still hums of",
    "the {t} light spills across the {p} like",
    "a single {n} drifts down the street beside",
    "the {a} fields lie open, asking for",
    "and every {n} along the shore recalls",
    "through {c} smoke the city breathes out",
    "the last train leaves the {p} carrying",
    "on the {a} hill the shepherd sings of",
    "the bakery opens early, warm with",
    "the tide returns at {t}, bringing",
    "a child at the {p} counts the {N} and",
    "the bells across the valley ring for",
    "under the bridge the {a} water turns to",
    "the {N} of autumn settle slowly into",
    "her letters smelled of {N} and",
    "the ferry horn at {t} calls out",
    "the market stalls are bright with {N} and",
    "a {c} kite climbs above the {p} toward",
    "the fishermen mend their nets and speak of",
    "the orchard holds its breath before",
    "at the edge of the {p} the {N} keep",
    "somewhere a radio plays a song about",
    "the {a} snow has covered every",
    "steam rises from the {p} like",
    "the swallows know the way back to",
    "each window on the avenue reflects",
    "the {n} in the garden bends toward",
    "the moon above the {p} is thinking of",
    "along the {a} road the poplars whisper",
    "the kettle sings, and I remember",
    "the {c} hour settles on the {p} with",
    "we counted {N} from the balcony and",
    "the harbour cranes stand still against",
    "the quiet {N} of the library hold",
    "in {t} fog the lighthouse searches for",
    "the meadow hums with bees and",
    "the streetlights flicker on, one by one, to",
    "an old song drifts from the {p} about",
)

_BANKS: dict[str, tuple[str, ...]] = {
    "a": ("quiet", "silver", "gentle", "golden", "restless", "distant", "tender", "patient",
          "wandering", "ancient", "slow", "pale", "bright", "hollow", "sleepy", "windswept"),
    "n": ("lantern", "sparrow", "teacup", "willow", "paper boat", "rose", "candle", "compass",
          "violin", "pebble", "feather", "bicycle", "clock", "shell", "fern", "kite string"),
    "N": ("chimneys", "sparrows", "lanterns", "willows", "stones", "pines", "rooftops", "oaks",
          "fireflies", "clouds", "shutters", "dunes", "letters", "leaves", "lilies", "poppies"),
    "p": ("harbour", "station", "old town", "market square", "riverbank", "village", "pier",
          "garden", "hillside", "boulevard", "valley", "lighthouse", "park", "meadow", "bay"),
    "t": ("morning", "evening", "dawn", "dusk", "midnight", "noon", "twilight", "afternoon"),
    "c": ("amber", "grey", "violet", "blue", "rose", "copper", "green", "indigo", "golden"),
}

_SLOT = re.compile(r"\{([a-zA-Z])\}")
_TRAILING = ".,;:!?"


class EndSpeak(Cipher):
    """One message word at the end of each line of a seeded, poem-like cover text."""

    name: ClassVar[str] = "endspeak"
    display_name: ClassVar[str] = "EndSpeak"
    description: ClassVar[str] = "steganography: one message word at the end of each line of a poem"

    def __init__(self, seed: int = 0, stanza: int = 4, strip_punctuation: bool = False) -> None:
        if int(stanza) < 0:
            raise ConfigError("endspeak: stanza must be 0 (no stanzas) or a positive line count")
        self.seed = int(seed)
        self.stanza = int(stanza)
        self.strip_punctuation = bool(strip_punctuation)

    def options(self) -> dict[str, Any]:
        return {"seed": self.seed, "stanza": self.stanza, "strip_punctuation": self.strip_punctuation}

    def encode(self, text: str) -> str:
        words = text.split()
        # Seeded by the words only, so that encode(decode(cover)) == cover: the poem of a message
        # does not depend on how its whitespace was laid out.
        rng = seeded_random(self.seed, "endspeak", " ".join(words))
        lines: list[str] = []
        previous = -1
        for i, word in enumerate(words):
            if self.stanza and i and i % self.stanza == 0:
                lines.append("")
            # Never the same template twice in a row: a repeated line gives the trick away.
            choice = rng.randrange(len(TEMPLATES) - 1) if previous >= 0 else rng.randrange(len(TEMPLATES))
            if previous >= 0 and choice >= previous:
                choice += 1
            previous = choice
            line = _SLOT.sub(lambda m: rng.choice(_BANKS[m.group(1)]), TEMPLATES[choice])
            lines.append(f"{line[0].upper()}{line[1:]} {word}")
        return "\n".join(lines)

    def decode(self, text: str) -> str:
        words = []
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            word = parts[-1]
            if self.strip_punctuation:
                word = word.rstrip(_TRAILING) or word
            words.append(word)
        return " ".join(words)


def normalise(text: str) -> str:
    """What survives an EndSpeak round trip: the words of ``text`` joined by single spaces."""
    return " ".join(text.split())


CIPHER = EndSpeak
