"""A toy frame for the weighting chapter's tests: 120 municipalities in three size classes and
three regions, 10 county municipalities, coverage and response more likely in the largest class."""
from __future__ import annotations

import numpy as np
import pandas as pd


def toy_population(seed=3):
    rng = np.random.default_rng(seed)
    n = 120
    size = pd.Categorical(rng.choice(["< 5 000", "5 000–19 999", "≥ 20 000"], n, p=[0.5, 0.3, 0.2]),
                          categories=["< 5 000", "5 000–19 999", "≥ 20 000"], ordered=True)
    region = pd.Categorical(rng.choice(["A", "B", "C"], n), categories=["A", "B", "C"], ordered=True)
    k = pd.DataFrame({"unit_id": [f"{i:04d}" for i in range(n)], "unit_type": "kommune",
                      "size_class": size, "region": region})
    f = pd.DataFrame({"unit_id": [f"{i:02d}" for i in range(1, 11)], "unit_type": "fylkeskommune",
                      "size_class": pd.Categorical([None] * 10, categories=size.categories, ordered=True),
                      "region": pd.Categorical([None] * 10, categories=region.categories, ordered=True)})
    pop = pd.concat([k, f], ignore_index=True)
    p = np.where(pop.size_class.astype(object) == "≥ 20 000", 0.9, 0.6)
    mapped = rng.random(len(pop)) < p
    cov = pop[["unit_id", "unit_type"]].assign(mapped=mapped, responded=mapped & (rng.random(len(pop)) < p))
    return pop, cov
