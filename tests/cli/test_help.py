"""--help reads like a manual: value names instead of Python types, choices listed, integers
typed as integers, and instruct naming every training method with the setting that turns it on;
a usage error is one line like every other error."""

from __future__ import annotations

import re

import pytest

from alignment_studio.instructors.methods import METHODS
from cli_run import cli, one_line_error

PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\])>|\{directory\}")


@pytest.mark.parametrize("command", [[], ["init"], ["serve"], ["ask"], ["export-data"],
                                     ["token", "create"], ["review", "import"]])
def test_no_type_placeholders(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert not PLACEHOLDER.search(result.stdout), result.stdout


def test_serve_help_types_the_port_and_lists_choices() -> None:
    text = cli("serve", "--help").stdout
    assert re.search(r"--port\s+INTEGER", text)
    assert "[off|block|warn|log]" in text and "[base|aligned|aggregated]" in text
    assert "Usage: alignment-studio serve [OPTIONS] DIR" in text
    assert "[viewer|reviewer|admin]" in cli("token", "create", "--help").stdout
    assert "[trl|hf|parquet]" in cli("export-data", "--help").stdout


def test_instruct_help_names_every_method_and_its_switch() -> None:
    text = " ".join(cli("instruct", "--help").stdout.split())
    for method in METHODS.values():
        assert method.title and method.title in text
    for switch in ("preference.method: dpo", "preference.method: orpo", "rl.enabled",
                   "rl.reward_models", "reward.enabled", "aggregate.enabled",
                   "aggregate.combination"):
        assert switch in text, switch


def test_help_paragraphs_are_rewrapped() -> None:
    text = cli("frame", "--help").stdout
    assert "(seeds, structure, conflicts, teacher), cleaned" in " ".join(text.split())
    assert "--no-teacher" in text


def test_usage_errors_are_one_line() -> None:
    one_line_error(cli("serve", ".", "--port", "http"), "--port", "serve --help")
    one_line_error(cli("serve", ".", "--port", "70000"), "--port")
    one_line_error(cli("serve", ".", "--guard", "maybe"), "--guard", "'off'")
    one_line_error(cli("frame", ".", "--bogus"), "--bogus")
    one_line_error(cli("ask", ".", "q", "--model", "biggest"), "--model")
    one_line_error(cli("frame"), "DIR")
