"""What reviewers read: chapter pages, the contents page, figures, tables, provenance.

==========================  ================================================================
module                      responsibility
==========================  ================================================================
:mod:`.book`                the chapters in reading order, the book's own pages
:mod:`.chapter_page`        an executed notebook -> its HTML page (our nbconvert template)
:mod:`.frame`               the frame of every page: header, chapter list (sidebar, phone
                            menu), previous/next, footer
:mod:`.page_html`           heading anchors, "on this page", glossary links of a page
:mod:`.glossary`            the glossary's terms, its page, links from a term's first use
:mod:`.index_page`          the contents page ``reports/index.html`` (both editions)
:mod:`.key_findings`,       the key findings of the contents page, from the result tables
:mod:`.findings`
:mod:`.claims`              the published claims they are set against (raw data)
:mod:`.book_pages`          the methods, questionnaire and glossary pages
:mod:`.pdf`                 the whole report as one PDF per edition (Chromium)
:mod:`.provenance`          the footer: version, code hash, parameters, raw checksums; the
                            synthetic-data notice; SSB attribution; how to cite
:mod:`.editions`            what a chapter shows, in both editions: text, numbered tables
                            and figures with captions from the text layer
:mod:`.figures`             figure size, HiDPI output, phone layout, palette, locale axes
:mod:`.charts`              forest plots, points with intervals, Likert bars, grouped bars
:mod:`.tables`              tables for readers: words for codes, estimate (interval) cells,
                            at most 25 rows shown, scrolling boxes
:mod:`.labels`              readers' names for codes: groups, tests, effects, levels, headers
:mod:`.results`             the result-table schemas and ``write_result``
:mod:`.disclosure`          small-cell suppression of published tables
``text/``                   every reader-facing sentence, in bokmål and English
``templates/``              the page templates and stylesheets (screen and print)
==========================  ================================================================

The report may use the data layer (the codebook's labels) and the survey core; it never
imports the build: what it needs of the chapter graph (titles, order, code hashes, raw
checksums) the build hands it.
"""
