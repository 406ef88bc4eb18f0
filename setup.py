"""Only the package list, which pyproject.toml cannot express: every `bot` package found,
plus `bot.seeds`, which pyproject.toml's package-dir maps to the top-level seeds/ folder.

So the wheel ships the seeds inside the package (`bot/seeds`) while the repository keeps a
single copy in its fixed layout. A mapping rather than a build step that copies: nothing is
generated or kept in step by hand. An editable install builds nothing and imports `bot`
from the repository, where `bot.settings.bundled_seeds()` finds the same seeds/ beside it.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["bot", "bot.*"]), "bot.seeds"])
