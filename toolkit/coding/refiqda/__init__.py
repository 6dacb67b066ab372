"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder (REFERENCE.md, "REFI-QDA").

- :func:`export_qdc` / :func:`import_qdc`: codebooks as ``.qdc`` files;
- :func:`export_qdpx`: a study's documents, participants and human codings as a ``.qdpx``;
- :func:`import_qdpx`: codings made in another program come back as human decisions.
"""

from toolkit.coding.refiqda.qdc import export_qdc, import_qdc, read_qdc
from toolkit.coding.refiqda.qdpx_export import export_qdpx
from toolkit.coding.refiqda.qdpx_import import import_qdpx
from toolkit.coding.refiqda.reader import read_qdpx

__all__ = ["export_qdc", "export_qdpx", "import_qdc", "import_qdpx", "read_qdc", "read_qdpx"]
