"""What reviewers read: chapter pages, the contents page, figures, tables, provenance.

==========================  ================================================================
module                      responsibility
==========================  ================================================================
:mod:`.chapter_page`        an executed notebook -> its HTML page (our nbconvert template)
:mod:`.index_page`          ``reports/index.html``
:mod:`.provenance`          the footer: version, code hash, parameters, raw checksums; the
                            synthetic-data notice; SSB attribution
:mod:`.editions`            what a chapter shows, in both editions: text, numbered tables
                            and figures with captions from the text layer
:mod:`.figures`             figure size, HiDPI output, phone layout, palette, locale axes
:mod:`.charts`              forest plots, points with intervals, Likert bars, grouped bars
:mod:`.tables`              tables for readers: words for codes, estimate (interval) cells,
                            at most 25 rows shown, scrolling boxes
:mod:`.labels`              readers' names for codes: groups, tests, effects, levels, headers
:mod:`.styling`             pandas-Styler tables of the chapters not yet converted
:mod:`.results`             the result-table schemas and ``write_result``
:mod:`.disclosure`          small-cell suppression of published tables
``templates/``              the page templates and stylesheet
==========================  ================================================================

The report may use the data layer (the codebook's labels) and the survey core; it never
imports the build: what it needs of the chapter graph (titles, order, code hashes, raw
checksums) the build hands it.
"""
