#!/opt/tessera/venv/bin/python
"""Reads an MLflow file store with MLflow's own client and dumps what it sees as JSON.

    mlflow_dump.py STORE_DIR EXPERIMENT_NAME OUT.json

The Tessera tests compare this with what they logged: the peer is mlflow's reader, not ours.
Prints a short human summary to stdout. Exit status 3 when mlflow cannot be imported.
"""
import json
import math
import os
import pathlib
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # mlflow 3.x refuses a file store without it
try:
    from mlflow.tracking import MlflowClient
except ImportError as error:
    print(f"mlflow is not importable: {error}", file=sys.stderr)
    sys.exit(3)


def finite(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def artifacts(client, run_id, path=None):
    out = []
    for item in client.list_artifacts(run_id, path):
        out.extend(artifacts(client, run_id, item.path) if item.is_dir else [item.path])
    return out


def main(store, experiment_name, out_path):
    client = MlflowClient(tracking_uri=pathlib.Path(store).absolute().as_uri())
    experiment = client.get_experiment_by_name(experiment_name)
    dump = {"experiments": sorted(e.name for e in client.search_experiments()), "experiment": None, "runs": []}
    if experiment is not None:
        dump["experiment"] = {"id": experiment.experiment_id, "name": experiment.name,
                              "lifecycle_stage": experiment.lifecycle_stage}
        for run in client.search_runs([experiment.experiment_id]):
            info, data = run.info, run.data
            history = {key: [[m.step, finite(m.value), m.timestamp] for m in client.get_metric_history(info.run_id, key)]
                       for key in data.metrics}
            dump["runs"].append({
                "run_id": info.run_id, "run_name": info.run_name, "status": info.status,
                "start_time": info.start_time, "end_time": info.end_time, "user_id": info.user_id,
                "artifact_uri": info.artifact_uri, "params": data.params, "tags": data.tags,
                "metrics": {key: finite(value) for key, value in data.metrics.items()},
                "history": history, "artifacts": sorted(artifacts(client, info.run_id)),
            })
            print(f"run {info.run_id} name={info.run_name} status={info.status} "
                  f"experiment={experiment.name}({experiment.experiment_id})")
            print(f"  params ({len(data.params)}): " +
                  ", ".join(f"{k}={data.params[k]}" for k in sorted(data.params)[:8]) + ", ...")
            print("  tags: " + ", ".join(f"{k}={v}" for k, v in sorted(data.tags.items())))
            print("  metrics: " + ", ".join(f"{k}={data.metrics[k]:.6g}" for k in sorted(data.metrics)))
            for key in ("val_accuracy", "train_loss", "test_accuracy"):
                if key in history:
                    print(f"  history {key}: " + ", ".join(f"step {s}: {v:.6g}" for s, v, _ in history[key]))
            print("  artifacts: " + ", ".join(dump["runs"][-1]["artifacts"]))
    with open(out_path, "w") as out:
        json.dump(dump, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
