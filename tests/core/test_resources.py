"""Files of schemas/ are read with libyaml's parser when PyYAML has it: it must read them exactly as the
pure-Python safe loader does."""

from __future__ import annotations

import pytest
import yaml

from caspian_etl.core.resources import load_yaml, read_schema_yaml, schemas_dir

FILES = sorted(p.name for p in schemas_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", FILES)
def test_every_schema_file_reads_as_safe_load_reads_it(name: str) -> None:
    text = (schemas_dir() / name).read_text(encoding="utf-8")
    assert read_schema_yaml(name) == yaml.safe_load(text)


def test_load_yaml_refuses_python_objects() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
