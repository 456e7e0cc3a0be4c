"""What reviewers read: chapter pages, the contents page, figures, tables, provenance.

==========================  ================================================================
module                      responsibility
==========================  ================================================================
:mod:`.chapter_page`        an executed notebook -> its HTML page (our nbconvert template)
:mod:`.index_page`          ``reports/index.html``
:mod:`.provenance`          the footer: version, code hash, parameters, raw checksums; the
                            synthetic-data notice; SSB attribution
:mod:`.figures`             one look for every figure; figures embedded with alt text
:mod:`.styling`             one look for every table shown in a chapter
:mod:`.results`             the result-table schemas and ``write_result``
:mod:`.disclosure`          small-cell suppression of published tables
``templates/``              the page templates and stylesheet
==========================  ================================================================

The report may use the data layer (the codebook's labels) and the survey core; it never
imports the build: what it needs of the chapter graph (titles, order, code hashes, raw
checksums) the build hands it.
"""
