import re
from pathlib import Path

from django.conf import settings


def test_every_environment_variable_is_documented():
    source = (Path(settings.PACKAGE_DIR) / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', source))
    documented = (Path(settings.BASE_DIR) / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in read if f"`{name}`" not in documented)
    assert len(read) > 40
    assert missing == []
