"""The helpers of each chapter: what a notebook calls, named for the chapter that uses it.

========================================  ==================================================
module                                    used by
========================================  ==================================================
:mod:`.population`                        00 · the population frame
:mod:`.presurvey`                         01 · the pre-survey
:mod:`.cleaning`                          02 · cleaning: the data layer's log, coverage, item
                                          nonresponse and the scrub of personal data in words
:mod:`.weighting`,                        03 · the survey weights, their two checks and the
:mod:`.weighting_tables`,                 margin choice; the chapter's other tables; what a
:mod:`.weighting_page`                    reader sees of them
:mod:`.item_estimates`                    03–08, 10 · per-item estimates (``estimates`` tables)
:mod:`.findings_text`,                    04–08 · the findings chapters: what each covers, the
:mod:`.findings_items`,                   groups shown, each question's table and figure,
:mod:`.findings_plots`                    the values of their texts
:mod:`.item_tests`                        09–11 · per-item design-based tests (``tests`` tables)
:mod:`.size_differences`,                 09 · what the tests are read with (MDD, readings, the
:mod:`.size_difference_tables`,           exact check, text values), the tables for readers,
:mod:`.item_test_figures`                 row names, parts by area and forest plots
:mod:`.item_tests_batch`                  11 · the same tests for all columns at once
:mod:`.involvement`,                      10 · citizen involvement: typology, model, and the
:mod:`.involvement_simulation`,           simulation of its model (batched draws and fits:
:mod:`.involvement_batch`                 :mod:`.involvement_batch`)
:mod:`.simulation`                        11 · the Monte Carlo study of the tests: scenarios,
                                          targets, runs, the chapter's sentences (nb/en)
:mod:`.simulation_data`,                  11 · its replicates in batches: the generator's draws,
:mod:`.simulation_replicates`,            weights and designs; the replicate loop; the county
:mod:`.simulation_county`,                municipalities' estimates; the per-item reference
:mod:`.simulation_reference`,             path; summaries with Monte Carlo errors
:mod:`.simulation_summaries`
========================================  ==================================================

A chapter helper may use the survey core, the data layer and the report layer.
"""
