"""The contract every registered backend keeps: studio.yaml names it, its own options validate
the rest (another backend's option or a typo is refused at its key), and its spec renders into
a documented studio.yaml and reads back."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from alignment_studio.backends import BACKENDS, BackendSpec, get_backend, parse_spec
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.workspace.config import StudioConfig, render_config


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_keeps_the_contract(name: str) -> None:
    kind = BACKENDS[name]
    spec = parse_spec({"backend": name, "model": "m"})
    assert isinstance(spec, kind.options) and isinstance(spec, BackendSpec)
    assert (spec.backend, spec.model) == (name, "m") and spec.calls_at_once() >= 1
    assert kind.options.__doc__ and all(f.description for f in kind.options.model_fields.values())
    with pytest.raises(ValidationError) as caught:
        parse_spec({"backend": name, "model": "m", "no_such_option": 1})
    assert caught.value.errors()[0]["loc"] == ("no_such_option",)
    others = {k for other in BACKENDS.values() for k in other.options.model_fields} - set(
        kind.options.model_fields)
    for key in others:  # an option of another backend is not one of this backend's
        with pytest.raises(ValidationError):
            parse_spec({"backend": name, key: None})
    config = StudioConfig(teacher=spec)
    again = StudioConfig.model_validate(yaml.safe_load(render_config(config)))
    assert again.teacher == spec and type(again.teacher) is kind.options


def test_an_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown backend 'vllm' \(known: fake, hf, openai\)"):
        parse_spec({"backend": "vllm"})


def test_a_spec_builds_its_backend() -> None:
    """Building needs no model for fake and no network for openai (the client connects on the
    first call); hf loads weights and is built by the slow tests."""
    fake = get_backend(parse_spec({"backend": "fake", "model": "echo"}))
    assert isinstance(fake, FakeBackend)
    served = get_backend(parse_spec({"backend": "openai", "model": "gpt-x",
                                     "base_url": "http://127.0.0.1:9/v1", "concurrency": 3}))
    assert served.name == "openai" and served.concurrency == 3  # type: ignore[attr-defined]
    served.close()
