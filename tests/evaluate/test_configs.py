"""Auditor configuration files: the three layouts, and errors that name the file and the field."""

from __future__ import annotations

import pytest

from ftaudit.errors import ConfigError
from ftaudit.evaluate.configs import AgentConfig, ModerationConfig, ScreensConfig, load_configs, parse_config


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_single_mapping_is_one_configuration(tmp_path):
    path = _write(tmp_path, "one.yaml", "name: screens\nkind: screens\nrepeats: 1\n")
    [config] = load_configs(path)
    assert isinstance(config, ScreensConfig) and config.name == "screens" and config.repeats == 1
    assert config.cpu_bound and config.deterministic and config.preset == "screens"


def test_a_list_holds_several_kinds(tmp_path):
    path = _write(tmp_path, "list.yaml", """
- name: screens-persona
  kind: screens
  only: [persona]
- name: agent-mdb
  kind: agent
  auditor: openai:gpt-4.1
  affordances: M+D+B
  budget: {max_turns: 20}
- name: moderation
  kind: moderation
  provider: offline
""")
    configs = load_configs([path])
    assert [type(c) for c in configs] == [ScreensConfig, AgentConfig, ModerationConfig]
    assert configs[0].preset == "persona"
    agent = configs[1]
    assert agent.preset == "M+D+B" and agent.budget.max_turns == 20
    assert agent.audit_config(seed_offset=3).seed == 3  # a repeat reseeds the agent's samples


def test_a_configs_key_and_json_are_accepted_and_names_are_unique_across_files(tmp_path):
    yaml_file = _write(tmp_path, "a.yaml", "configs:\n  - {name: s1, kind: screens}\n  - {name: s2, kind: agent+screens}\n")
    json_file = _write(tmp_path, "b.json", '[{"name": "b", "kind": "benchmark-only", "n_prompts": 5}]')
    configs = load_configs([yaml_file, json_file])
    assert [c.name for c in configs] == ["s1", "s2", "b"]
    clash = _write(tmp_path, "c.yaml", "name: s1\nkind: screens\n")
    with pytest.raises(ConfigError, match="two configurations are named 's1'"):
        load_configs([yaml_file, clash])


def test_the_fingerprint_ignores_scheduling_knobs_only(tmp_path):
    a = load_configs(_write(tmp_path, "a.yaml", "{name: s, kind: screens, repeats: 1, concurrency: 2}"))[0]
    b = load_configs(_write(tmp_path, "b.yaml", "{name: s, kind: screens, repeats: 5}"))[0]
    c = load_configs(_write(tmp_path, "c.yaml", "{name: s, kind: screens, only: [persona]}"))[0]
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nkind: scanner\n", "kind must be one of screens, agent"),
        ("name: x\nkind: screens\nonly: persona\n", "only: Input should be a valid list"),
        ("name: x\nkind: screens\ncolour: red\n", "colour: Extra inputs are not permitted"),
        ("name: x\nkind: agent\naffordances: Q+Z\n", "affordances:"),
        ("name: x\nkind: agent\noptions: {budget: {}}\n", "set budget as top-level keys"),
        ("name: 'has space'\nkind: screens\n", "name: 'has space': use letters"),
        ("name: x\nkind: screens\nthreshold: 12\n", "threshold: Input should be less than or equal to 10"),
        ("- just a string\n", "a configuration is a mapping"),
        ("[]\n", "no configuration in the file"),
        ("name: [unclosed\n", "not YAML or JSON"),
    ],
)
def test_a_bad_configuration_names_the_file_and_the_field(tmp_path, text, message):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_configs([path])
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_the_second_bad_configuration_of_a_file_is_numbered(tmp_path):
    path = _write(tmp_path, "two.yaml", "- {name: ok, kind: screens}\n- {name: bad, kind: screens, weights: 3}\n")
    with pytest.raises(ConfigError, match=r"two\.yaml \(configuration 2\): weights:"):
        load_configs([path])


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_configs([tmp_path / "missing.yaml"])


def test_an_agent_may_name_a_local_auditor_but_not_an_unknown_one():
    from ftaudit.evaluate.auditors import build_auditor

    build_auditor(parse_config({"name": "local", "kind": "agent", "auditor": "local:qwen2.5-coder-1.5b"})).check()
    with pytest.raises(ConfigError, match="'unknown-model' is neither an embedded model"):
        build_auditor(parse_config({"name": "local", "kind": "agent", "auditor": "local:unknown-model"})).check()
