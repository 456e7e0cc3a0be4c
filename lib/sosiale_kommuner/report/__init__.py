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
:mod:`.figures`             one look for every figure; figures embedded with alt text
:mod:`.styling`             one look for every table shown in a chapter
:mod:`.results`             the result-table schemas and ``write_result``
:mod:`.disclosure`          small-cell suppression of published tables
``text/``                   every reader-facing sentence, in bokmål and English
``templates/``              the page templates and stylesheets (screen and print)
==========================  ================================================================

The report may use the data layer (the codebook's labels) and the survey core; it never
imports the build: what it needs of the chapter graph (titles, order, code hashes, raw
checksums) the build hands it.
"""
