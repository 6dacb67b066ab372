"""Build hook: ship the instruments, report templates, codebooks and example study in the wheel.

They live once, where users look for them in the repository (``surveys/instruments/``,
``notebooks/``, ``codebooks/``, ``surveys/example/``); building the wheel copies them into
``toolkit/shipped/`` with the same layout (``toolkit/resources.py`` finds them there).
Everything else about the package is in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("surveys/instruments", "surveys/example", "codebooks", "notebooks")
# Never shipped: caches, checkpoints, and decisions made on a local copy of the example.
IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", ".DS_Store")


class BuildWithShippedFiles(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's own folders
        target = Path(self.build_lib) / "toolkit" / "shipped"
        for folder in SHIPPED:
            if (HERE / folder).is_dir():
                shutil.copytree(HERE / folder, target / folder, ignore=IGNORE, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithShippedFiles})
