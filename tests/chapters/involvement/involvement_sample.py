"""The synthetic sample chapter 10's tests share: the generator's respondents (seed 11) with
provisional raked weights, through :func:`involvement.derive` (made once per session)."""
from functools import lru_cache

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, respondents, synth

SAMPLE_SEED = 11


@lru_cache(maxsize=None)
def make_sample():
    """``(codebook, population, data)``: the sample the tests and the R reference use."""
    cb = cbm.load_codebook(config.paths().raw)
    pop = frame.load_population(config.paths().frame)
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    syn = synth.generate(seed=SAMPLE_SEED, population=pop, codebook=cb, exports=False)
    resp = syn.responses()
    w = respondents.provisional_weights_for(resp, pop)
    return cb, pop, inv.derive(respondents.merge(resp, pop, w))
