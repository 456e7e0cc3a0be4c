"""Analysis package for "Sosiale kommuner 2013".

Modules are named for what they do; see ARCHITECTURE.md at the repository root.
"""
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("sosiale-kommuner")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

STUDY_TITLE = "Sosiale kommuner 2013"
STUDY_SUBTITLE = "How Norway's local governments used social media"
