"""The model source policy: presets only, a folder allow-list, and no answer that tells missing from present."""

import os

import pytest

from kvviz.engine.sources import NOT_OFFERED, ONLY_PRESETS, SourcePolicy, model_source
from kvviz.errors import KvvizError

PRESETS = ("gpt2", "distilgpt2", "Qwen/Qwen2.5-0.5B")


def _model(folder):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    return folder


def _refusal(name, policy) -> tuple[str, tuple]:
    """The refusal's text key and facts (its words: kvviz.text)."""
    with pytest.raises(KvvizError) as e:
        model_source(name, PRESETS, policy)
    return e.value.text_key, tuple(sorted(e.value.text_fields.items()))


def test_from_env():
    p = SourcePolicy.from_env({"KVVIZ_ALLOW_OTHER_MODELS": "0", "KVVIZ_MODEL_DIRS": f"/srv/a{os.pathsep}~/b"})
    assert not p.allow_other and p.model_dirs == ("/srv/a", os.path.realpath(os.path.expanduser("~/b")))
    assert SourcePolicy.from_env({}) == SourcePolicy(True, ())


def test_presets_only(tmp_path):
    policy = SourcePolicy(allow_other=False)
    assert model_source(None, PRESETS, policy) is None
    assert model_source("builtin", PRESETS, policy) is None
    assert model_source(" gpt2 ", PRESETS, policy) == "gpt2"
    real = _model(tmp_path / "real")
    names = [str(real), str(tmp_path / "missing"), "/etc", "someone/private-model", "../../etc/passwd"]
    assert {_refusal(n, policy) for n in names} == {(ONLY_PRESETS, ())}


def test_folder_allow_list_gives_one_answer_for_missing_and_present(tmp_path):
    allowed, outside = tmp_path / "models", tmp_path / "secret"
    inside = _model(allowed / "tiny")
    _model(outside / "m")
    (allowed / "link").symlink_to(outside / "m")  # a symlink out of the allowed folder
    (allowed / "empty").mkdir()  # a folder, but not a model
    policy = SourcePolicy(model_dirs=(os.path.realpath(allowed),))
    assert model_source(str(inside), PRESETS, policy) == os.path.realpath(inside)
    assert model_source(f"{allowed}/x/../tiny", PRESETS, policy) == os.path.realpath(inside)
    refused = [str(outside / "m"), str(outside / "nothing"), str(allowed / "link"), str(allowed / "missing"),
               str(allowed / "empty"), f"{allowed}/../secret/m", "/", "./m"]
    answers = {_refusal(n, policy) for n in refused}
    assert answers == {(NOT_OFFERED, (("name", repr(n)),)) for n in refused}  # the name given, nothing else
    assert model_source("owner/model", PRESETS, policy) == "owner/model"  # a hub id: the disk is not asked


def test_local_use_passes_names_through(tmp_path):
    policy = SourcePolicy()
    assert model_source(str(tmp_path / "anything"), PRESETS, policy) == str(tmp_path / "anything")
    assert model_source("gpt2-medium", PRESETS, policy) == "gpt2-medium"


@pytest.mark.parametrize("name", ["a\x00b", "x\ny", "z" * 2000])
def test_names_that_are_not_names(name):
    with pytest.raises(KvvizError) as e:
        model_source(name, PRESETS, SourcePolicy())
    assert e.value.text_key == "errors.source.not_a_name"
