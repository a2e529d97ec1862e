#!/opt/tessera/venv/bin/python
"""Reference values for tests/metrics from scikit-learn, scipy and numpy.

Usage: metrics_reference.py INPUT.json OUTPUT.json
INPUT holds {"cases": [...]}, each case a dict with a "kind"; OUTPUT gets {"cases": [...]} with
one answer per case, in order, plus the library versions. NaN and infinities are written as null
(JSON has neither).
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
import scipy.special
import scipy.stats
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, log_loss,
                             precision_recall_curve, precision_recall_fscore_support, precision_score,
                             recall_score, roc_auc_score, roc_curve, top_k_accuracy_score)


def clean(value):
    """numpy -> plain Python, non-finite floats -> None."""
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def multiclass(case):
    logits = np.asarray(case["logits"], dtype=np.float64)
    y = np.asarray(case["targets"], dtype=np.int64)
    labels = list(range(logits.shape[1]))
    probs = scipy.special.softmax(logits, axis=1)
    pred = logits.argmax(axis=1)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    out = {
        "accuracy": accuracy_score(y, pred),
        "top_k_accuracy": top_k_accuracy_score(y, probs, k=case["k"], labels=labels),
        "log_loss": log_loss(y, probs, labels=labels),
        "confusion": confusion_matrix(y, pred, labels=labels),
        "precision": p, "recall": r, "f1": f, "support": s,
    }
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y, pred, labels=labels, average=average, zero_division=0)
        out.update({f"{average}_precision": p, f"{average}_recall": r, f"{average}_f1": f})
    return out


def binary(case):
    y = np.asarray(case["labels"], dtype=np.int64)
    score = np.asarray(case["scores"], dtype=np.float64)
    out = {}
    fpr, tpr, thresholds = roc_curve(y, score, drop_intermediate=False)
    out["roc"] = {"fpr": fpr, "tpr": tpr, "thresholds": thresholds}
    out["roc_auc"] = roc_auc_score(y, score)  # NaN, with a warning, for one class (sklearn >= 1.6)
    precision, recall, pr_thresholds = precision_recall_curve(y, score)
    out["pr"] = {"precision": precision, "recall": recall, "thresholds": pr_thresholds}
    out["average_precision"] = average_precision_score(y, score)
    predicted = (score >= case["threshold"]).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    out["at_threshold"] = {
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "sensitivity": recall_score(y, predicted, labels=[0, 1], pos_label=1, zero_division=0),
        "specificity": recall_score(y, predicted, labels=[0, 1], pos_label=0, zero_division=0),
        "precision": precision_score(y, predicted, labels=[0, 1], pos_label=1, zero_division=0),
    }
    if y.sum() > 0:
        # The highest threshold whose sensitivity reaches the target: thresholds descend, tpr rises.
        out["target_threshold"] = thresholds[int(np.argmax(tpr >= case["target"]))]
    prob_true, prob_pred = calibration_curve(y, score, n_bins=case["bins"], strategy="uniform")
    out["calibration"] = {"prob_true": prob_true, "prob_pred": prob_pred}
    return out


def mcnemar(case):
    b, c = case["a_only"], case["b_only"]
    n = b + c
    exact = scipy.stats.binomtest(b, n, 0.5, alternative="two-sided").pvalue if n > 0 else 1.0
    statistic = (abs(b - c) - 1.0) ** 2 / n if n > 0 else None
    chi2 = scipy.stats.chi2.sf(statistic, 1) if n > 0 else 1.0
    return {"exact_p": exact, "chi2_statistic": statistic, "chi2_p": chi2}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    kinds = {"multiclass": multiclass, "binary": binary, "mcnemar": mcnemar}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the one-class and zero-support cases warn by design
        answers = [clean_dict(kinds[case["kind"]](case)) for case in cases]
    with open(sys.argv[2], "w") as f:
        json.dump({"cases": answers, "versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__,
                                                  "numpy": np.__version__}}, f)


def clean_dict(d):
    return {k: clean_dict(v) if isinstance(v, dict) else clean(v) for k, v in d.items()}


if __name__ == "__main__":
    main()
