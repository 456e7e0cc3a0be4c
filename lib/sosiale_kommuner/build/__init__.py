"""What ``run_all.py`` drives: verify the raw files, run what changed, export, index, scan.

==========================  ================================================================
module                      responsibility
==========================  ================================================================
:mod:`.graph`               the chapter graph, declared once: raw inputs, processed inputs
                            and outputs, cores of each notebook
:mod:`.options`             the command line (``run_all.py --help``)
:mod:`.decisions`           whether a chapter must run, and why
:mod:`.engine`              the doit task graph: parallel, continue on failure
:mod:`.executor`            one chapter: staging, papermill, export, atomic commit
:mod:`.status`              ``.pipeline/status.json`` and progress lines
:mod:`.index`               when the contents page is out of date
:mod:`.book`                the contents, the book's own pages and the PDFs, after the
                            chapters
:mod:`.leak_scan`           the scan of every output for personal data
:mod:`.pipeline`            one build, start to end (``run_all.py`` calls :func:`main`)
:mod:`.hashing`             content hashes of code, parameters and inputs
:mod:`.manifest`            ``MANIFEST.sha256`` of the raw folder
:mod:`.kernel`              the project's Jupyter kernel
:mod:`.kernels`             starting kernels: private sockets, a spare one started ahead
==========================  ================================================================

The build sits on top: it may use every other layer; nothing else imports it.
"""
