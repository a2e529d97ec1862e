#!/opt/tessera/venv/bin/python
"""Reference values for tests/monitor/statistics_test.cpp, from scipy.

Writes JSON to argv[1]:
  samples: pairs (a, b) with scipy.stats.ks_2samp(a, b, method='asymp') statistic and p-value
  kstwo:   scipy.stats.kstwo.sf(x, n) over a grid touching every region of the computation
  smirnov: scipy.special.smirnov(n, x)
"""
import json
import sys

import numpy as np
import scipy
from scipy import special, stats

rng = np.random.default_rng(20240611)
pairs = [
    ("normal 40 vs 30", rng.normal(0, 1, 40), rng.normal(0, 1, 30)),
    ("normal 200 vs 150 shifted 0.2", rng.normal(0, 1, 200), rng.normal(0.2, 1, 150)),
    ("normal 5000 vs 500 shifted 0.05 (en 454.5 rounds to even)", rng.normal(0, 1, 5000), rng.normal(0.05, 1, 500)),
    ("normal 5000 vs 5000 shifted 0.3", rng.normal(0, 1, 5000), rng.normal(0.3, 1, 5000)),
    ("ties: integers 300 vs 280", rng.integers(0, 6, 300).astype(float), rng.integers(0, 7, 280).astype(float)),
    ("tiny 3 vs 4", rng.normal(0, 1, 3), rng.normal(1, 1, 4)),
    ("separated 20 vs 25", rng.uniform(0, 1, 20), rng.uniform(2, 3, 25)),
    ("identical 1000", np.arange(1000.0), np.arange(1000.0)),
    ("uniform 2000 vs 2000 shifted 0.05", rng.uniform(0, 1, 2000), rng.uniform(0.05, 1.05, 2000)),
    ("normal 60 vs 60 shifted 0.5", rng.normal(0, 1, 60), rng.normal(0.5, 1, 60)),
    ("exponential 1200 vs 900 scale 1.1", rng.exponential(1.0, 1200), rng.exponential(1.1, 900)),
    ("normal 5000 vs 150 shifted 0.25", rng.normal(0, 1, 5000), rng.normal(0.25, 1, 150)),
]
samples = []
for name, a, b in pairs:
    result = stats.ks_2samp(a, b, method="asymp")
    samples.append({"name": name, "a": a.tolist(), "b": b.tolist(),
                    "statistic": float(result.statistic), "p_value": float(result.pvalue)})

kstwo = []
for n in [1, 2, 5, 10, 17, 50, 100, 140, 141, 454, 500, 2500, 100000, 100001]:
    for x in [0.0005, 0.001, 0.003, 0.006, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.7,
              0.95, 0.999]:
        kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})

smirnov = []
for n in [1, 2, 10, 100, 1000, 5000]:
    for x in [0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 0.9999]:
        smirnov.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})

with open(sys.argv[1], "w") as out:
    json.dump({"scipy": scipy.__version__, "samples": samples, "kstwo": kstwo, "smirnov": smirnov}, out)
