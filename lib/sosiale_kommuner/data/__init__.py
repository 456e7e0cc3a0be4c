"""The study's data: from raw files to the tables the chapters analyse.

============================  ============================================================
module                        responsibility
============================  ============================================================
:mod:`.frame`                 the population frame (SSB): 428 municipalities and 18 county
                              municipalities, size classes, regions, centrality
:mod:`.codebook`              the questionnaire, defined once (items, codes, nb/en labels)
:mod:`.typed`                 the typed-column convention of the processed data (categoricals
                              of level keys, "Vet ikke" its own level, nullable booleans)
:mod:`.readers`               one reader for survey-tool exports (``.csv``, ``.xlsx``, ``.sav``)
:mod:`.cleaning`              from exports to respondents: the rules in order, the cleaning log
:mod:`.validation`            columns and cells of an export against the codebook (pandera)
:mod:`.linking`               the typed kommunenummer to a unit of the frame
:mod:`.submissions`           one submission per unit, and which criterion decided
:mod:`.summaries`             answers per item, coverage and response (chapter 02)
:mod:`.pii`                   the one detector of personal data (e-mail, phone, fødselsnummer,
                              contact names) and safe messages about suspect values
:mod:`.pii_names`             the contact list's names in their variants
:mod:`.privacy`               pseudonymous ids, the contact list, scrubbing, the leak scanner
:mod:`.respondents`           the processed respondent table and the survey designs of the
                              two populations
:mod:`.synth`                 the generator of the synthetic demonstration data (a package:
                              one module per step)
============================  ============================================================

This layer may use :mod:`sosiale_kommuner.survey` (designs) and the package root
(``config``, ``files``); it knows nothing of chapters, pages or the build.
"""
