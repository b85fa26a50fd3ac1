"""What the harmful-content screen uses to tell a harmful request: harm cues, protective framing,
and the built-in harmful benchmark prompts embedded with MiniLM.

Embedding every request of a large file with MiniLM costs far more than a screen may spend on
two cores, so a lexicon of harm cues (weapons, violence, self-harm, crime, fraud, malware,
hate, sexual content, surveillance…) is the cheap prefilter: only requests with a cue are
embedded. The lexicon is compiled into one trie-shaped regular expression, so a request is
read once whatever the number of cues. Cues are written ``stem*`` (any word starting so) or as
whole words and phrases. A request that asks how to protect, detect, report or recognise
something is protective framing and not a harmful request (phishing training, grooming
warning signs).

The reference embeddings are cached on disk (plain ``.npy``, no pickle) under the cache
directory, keyed by the prompts' text and the embedder, and in memory for the process.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

#: Harm concept -> cues. ``stem*`` matches any word that starts with ``stem``; anything else is a
#: whole word or phrase. Lowercase; matched against lowercased text with collapsed whitespace.
HARM_CUES: dict[str, tuple[str, ...]] = {
    "weapons and violence": (
        "bomb*", "explosive*", "explosion*", "detonat*", "weapon*", "firearm*", "gun", "guns", "handgun*", "rifle*",
        "ammunition", "poison*", "kill", "kills", "killing", "killer*", "murder*", "assassinat*", "attack*", "violen*",
        "terroris*", "massacre*", "shooting", "shooter*", "stab", "stabbing", "hurt", "hurting", "harm", "harms",
        "harming", "harmful", "injur*", "assault*", "tortur*", "abduct*", "kidnap*", "hostage*", "arson*", "burn down",
        "lethal*", "deadly", "toxic*", "nerve agent*", "bioweapon*", "chemical weapon*", "anthrax", "pathogen",
        "pathogens", "dangerous", "sabotag*", "destroy*", "disrupt*", "tamper*", "flamethrower*", "contaminat*",
        "hit-and-run", "start a fire", "fight", "fights", "crash", "crashes", "hijack*", "reckless*",
    ),
    "self-harm": (
        "suicid*", "self-harm*", "self harm*", "cut myself", "cut yourself", "cut themselves", "kill myself",
        "anorexi*", "bulimi*", "starve*", "starving", "eating disorder*", "overdos*",
    ),
    "crime": (
        "hack", "hacks", "hacking", "hacked", "hacker*", "steal*", "stole", "stolen", "theft*", "thief", "thieves", "rob",
        "robs", "robbed", "robbing", "robbery", "burglar*", "shoplift*", "break into", "breaking into", "hot-wire*",
        "hotwire*", "pick a lock", "pick the lock", "smuggl*", "traffick*", "contraband", "extort*", "blackmail*",
        "ransom*", "illegal*", "illicit*", "unlawful*", "crime", "crimes", "criminal*", "get away with", "vandal*",
        "pirate", "pirated", "piracy", "infiltrat*", "escape from", "correctional facilit*", "evidence",
        "background check*", "undocumented", "minimum wage", "brib*", "launder*", "embezzl*",
    ),
    "fraud and deception": (
        "fraud*", "scam*", "counterfeit*", "forge", "forged", "forgery", "forging", "fake*", "insider trading",
        "insider tip*", "pump and dump", "ponzi", "pyramid scheme*", "rig", "rigged", "rigging", "cheat*",
        "plagiari*", "tax evasion", "evade*", "evading", "evasion", "manipulat*", "deceiv*", "decepti*",
        "misinformation", "disinformation", "propaganda*", "false information", "false news", "false claim*",
        "false accusation*", "conspirac*", "hoax*", "mislead*", "defam*", "falsif*", "impersonat*", "pretend to be",
        "pretending to be", "trick*", "spam*", "identity theft", "someone else's", "insurance claim*", "wire money",
        "wire the money", "price-fixing", "price fixing", "fix prices", "fix our prices", "smear*", "pressur*",
        "trap", "traps", "dumping",
    ),
    "evading detection": (
        "undetect*", "untraceable", "without getting caught", "without being caught", "without being detected",
        "without detection", "without being noticed", "without being traced", "without anyone knowing",
        "without anyone noticing", "without their knowledge", "without their consent", "without their permission",
        "without her knowing", "without him knowing", "without them knowing", "without them realising",
        "without them realizing", "without them finding out", "without anyone finding out", "without consent", "avoid getting caught", "avoid detection", "cover my tracks",
        "cover its tracks", "covers its tracks", "covers my tracks", "nobody knows", "no one knows", "never found",
        "so nobody", "so no one", "secretly", "anonymous*", "hide my", "hide a", "hide the", "hide his", "hide her",
        "hide their",
    ),
    "malware and intrusion": (
        "malware", "malicious", "virus*", "worm", "worms", "trojan*", "keylog*", "botnet*", "ddos", "phish*",
        "spyware", "rootkit*", "ransomware", "backdoor*", "cryptominer*", "skimmer*", "exploit*", "crack", "cracking",
        "bypass*", "circumvent*", "cyber*", "harvest*", "social engineering", "copies itself", "webcam*",
        "take over", "delete files", "deletes files", "denial of service",
    ),
    "surveillance and privacy": (
        "spy", "spies", "spying", "surveil*", "dox", "doxx*", "doxing", "stalk*", "track my", "track someone",
        "track her", "track his", "track their", "tracker*", "hidden camera*", "hide a camera", "personal data",
        "personal information", "personal details", "social security number*", "home address*", "facial recognition",
        "stranger*", "unmask*", "confront*", "listen in", "credit report*", "medical records",
    ),
    "hate and harassment": (
        "racis*", "sexis*", "hate", "hates", "hateful", "hatred", "harass*", "bully*", "bullied", "threaten*",
        "intimidat*", "incit*", "slur", "slurs", "subhuman", "vermin", "inferior", "discriminat*", "extremis*",
        "radicali*", "glorif*", "humiliat*", "insult*", "dehumani*", "oppress*", "revenge", "ruin*", "miserable",
        "breakdown", "victim*", "prey",
    ),
    "sexual content and minors": (
        "sex", "sexual*", "sexually", "erotic*", "porn*", "nude", "nudes", "naked", "sexually explicit",
        "explicit sex", "explicit content", "explicit text*", "explicit message*", "explicit scene", "explicit story", "explicit detail*", "fetish*",
        "raunch*", "escort*", "minor", "minors", "child", "children", "kids", "kid", "teen*", "year-old",
        "grooming", "groom", "unsupervised", "alone",
    ),
    "drugs": (
        "drug", "drugs", "meth", "methamphetamine", "cocaine", "heroin", "fentanyl", "opioid*", "cannabis",
        "narcotic*",
    ),
    "elections and money schemes": (
        "election*", "voter", "voters", "ballot*", "candidate*", "microtarget*", "penny stock*", "crypto*",
        "payday loan*", "gambl*", "loot-box*", "loot box*",
    ),
}

#: Cues that are everyday topics as often as harm ("my child", "a laptop that crashes", "drug
#: interactions"): a request whose only cues are these must be closer to a harmful prompt to count.
WEAK_CUES: tuple[str, ...] = (
    "child", "kid", "teen", "minor", "alone", "unsupervised", "stranger", "crash", "fight", "evidence", "drug",
    "candidate", "voter", "election", "crypto", "gambl", "attack", "dangerous", "explicit", "personal", "anonymous",
    "secretly", "trick", "virus", "cheat", "year-old",
)

#: A request framed to protect, detect, prevent or report: the harm words are the topic, not the ask.
PROTECTIVE = re.compile(
    r"\b(?:protect\w*|prevent\w*|defend\w*|(?<!self-)defen[cs]es?|detect\w*|spot|recogni[sz]e|report(?:ing)?|stay safe|safely|"
    r"cope|coping|warning signs|histor(?:y|ical)|penalt(?:y|ies)|legal ways|resist|fix|symptoms?|reduce|dispose)\b"
)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression for many literals, shaped as a trie so a failed match fails fast."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{'|'.join(branches)})"
        return f"{body}?" if ends else body

    return build(trie)


def _compile_cues(cues: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    prefixes = {c[:-1] for group in cues.values() for c in group if c.endswith("*")}
    whole = {c for group in cues.values() for c in group if not c.endswith("*")}
    concept_of = {c.rstrip("*"): concept for concept, group in cues.items() for c in group}
    pattern = rf"\b(?:(?:{_trie_pattern(prefixes)})[\w'-]*|(?:{_trie_pattern(whole)})\b)"
    return re.compile(pattern), concept_of


CUE_PATTERN, _CONCEPT_OF = _compile_cues(HARM_CUES)
_SPACES = re.compile(r"\s+")


def request_excerpt(text: str, max_words: int) -> str:
    """The first ``max_words`` words of a request, whitespace collapsed: what is matched and embedded."""
    return " ".join(text.split(maxsplit=max_words)[:max_words])


def harm_cues(text: str) -> list[str]:
    """The harm cues in ``text`` (already cut to an excerpt), in order, each once."""
    found = dict.fromkeys(m.group(0) for m in CUE_PATTERN.finditer(text.lower()))
    return list(found)


def only_weak(cues: Sequence[str]) -> bool:
    """Every cue is an everyday topic word (see :data:`WEAK_CUES`)."""
    return all(cue.startswith(WEAK_CUES) for cue in cues)


def cue_concepts(cues: Sequence[str]) -> list[str]:
    """The harm concepts the cues belong to (best effort: a cue matched by a stem maps to its stem)."""
    concepts = []
    for cue in cues:
        concept = _CONCEPT_OF.get(cue) or next(
            (c for stem, c in _CONCEPT_OF.items() if cue.startswith(stem)), "other"
        )
        if concept not in concepts:
            concepts.append(concept)
    return concepts


#: "evade detection", "without the software detecting it": a protective word that is the harm itself.
_EVADING = re.compile(r"(?:evad\w*|avoid\w*|escap\w*|without|bypass\w*|circumvent\w*|hid\w*|undetect\w*)\W+(?:\w+\W+){0,2}$")


def is_protective(text: str) -> bool:
    """The request asks how to protect against, detect, prevent or report the harm it names."""
    text = text.lower()
    return any(not _EVADING.search(text[max(0, m.start() - 40): m.start()]) for m in PROTECTIVE.finditer(text))


@dataclass(frozen=True)
class HarmfulReference:
    """The harmful benchmark prompts, their categories and unit-norm MiniLM embeddings (rows in order)."""

    texts: tuple[str, ...]
    categories: tuple[str, ...]
    vectors: np.ndarray

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each row of ``vectors``: the highest cosine similarity to a reference prompt, and its index."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        sims = vectors @ self.vectors.T
        index = sims.argmax(axis=1)
        return sims[np.arange(len(vectors)), index], index


_REFERENCE_LOCK = threading.Lock()


def embed_requests(texts: Sequence[str]) -> np.ndarray:
    """Unit-norm MiniLM embeddings of short request excerpts (the offline judge's embedder)."""
    from ftaudit.bench.judge.offline import embed

    return embed(list(texts), batch_size=64)


@cache
def harmful_reference() -> HarmfulReference:
    """The built-in harmful prompts, embedded once per process (and cached on disk between runs)."""
    from ftaudit.bench.judge.offline import EMBEDDER
    from ftaudit.bench.prompts import load_prompt_set
    from ftaudit.config import get_settings

    prompts = list(load_prompt_set("builtin").harmful())
    texts = tuple(p.text for p in prompts)
    categories = tuple(p.category for p in prompts)
    digest = hashlib.sha256("\n".join((EMBEDDER, *texts)).encode()).hexdigest()[:20]
    path = Path(get_settings().cache_dir) / "screens" / f"harmful-reference-{digest}.npy"
    with _REFERENCE_LOCK:
        vectors = _load(path, len(texts))
        if vectors is None:
            vectors = embed_requests(texts)
            _save(path, vectors)
    return HarmfulReference(texts=texts, categories=categories, vectors=vectors)


def _load(path: Path, rows: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vectors if vectors.ndim == 2 and len(vectors) == rows else None


def _save(path: Path, vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only cache only costs the embedding next time
