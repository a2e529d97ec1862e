#!/opt/tessera/venv/bin/python
"""Client side of tests/e2e/serve_test.cpp, on Triton's own HTTP client (tritonclient.http).

  serve_client.py PORT MODEL wait              wait up to 120 s until the server is ready
  serve_client.py PORT MODEL infer FILE...     one request with every file (binary BYTES); prints
                                               JSON {"labels": [...], "errors": [...], "probabilities": [[...]]}
  serve_client.py PORT MODEL load SECONDS FILE requests from 8 threads for SECONDS; prints JSON
                                               {"ok": n, "refused": n, "unreachable": n, "failed": [..]}
  serve_client.py PORT MODEL count N FILE      the same, N requests in all
  serve_client.py PORT MODEL complete MAX_TOKENS PROMPT
                                               greedy completions of PROMPT: streamed by the openai
                                               client, and plain from the generate extension; prints
                                               JSON {"stream": text, "events": n, "finish_reason": r,
                                               "generate": text, "infer": text (the v2 infer route)}
  serve_client.py PORT MODEL metrics           GET /metrics, parsed by Prometheus' own parser
                                               (prometheus_client); prints JSON {sample: value} of
                                               MODEL's samples, a sample named name{label=value,...}
                                               without the model label, labels sorted
"""
import json
import math
import sys
import threading
import time

import urllib.request

import numpy as np
from prometheus_client.parser import text_string_to_metric_families
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def client(port):
    return httpclient.InferenceServerClient(url=f"127.0.0.1:{port}", connection_timeout=30, network_timeout=30)


def request(c, model, files):
    blobs = np.array([open(f, "rb").read() for f in files], dtype=np.object_)
    given = httpclient.InferInput("image", [len(files)], "BYTES")
    given.set_data_from_numpy(blobs, binary_data=True)
    wanted = [httpclient.InferRequestedOutput(n, binary_data=True) for n in ("probabilities", "label", "error")]
    return c.infer(model, [given], outputs=wanted)


def main():
    port, model, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode == "wait":
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if client(port).is_model_ready(model):
                    print("ready")
                    return
            except Exception:
                pass
            time.sleep(0.2)
        sys.exit("the server did not become ready in 120 s")
    if mode == "infer":
        r = request(client(port), model, sys.argv[4:])
        print(json.dumps({"labels": [x.decode() for x in r.as_numpy("label")],
                          "errors": [x.decode() for x in r.as_numpy("error")],
                          # NaN (an unreadable element's row) is not JSON: null instead
                          "probabilities": [[None if math.isnan(v) else v for v in row]
                                            for row in r.as_numpy("probabilities").tolist()]}))
        return
    if mode == "complete":
        from openai import OpenAI
        max_tokens, prompt = int(sys.argv[4]), sys.argv[5]
        openai_client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", timeout=60)
        pieces, finish = [], None
        for chunk in openai_client.completions.create(model=model, prompt=prompt, max_tokens=max_tokens,
                                                      temperature=0, stream=True):
            pieces.append(chunk.choices[0].text)
            finish = chunk.choices[0].finish_reason or finish
        body = json.dumps({"text_input": prompt, "max_tokens": max_tokens, "temperature": 0}).encode()
        plain = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/{model}/generate", data=body,
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(plain, timeout=60) as r:
            generated = json.loads(r.read())["text_output"]
        # The Open Inference Protocol's infer: text_input BYTES [1], settings as parameters.
        infer_body = json.dumps({"inputs": [{"name": "text_input", "shape": [1], "datatype": "BYTES",
                                             "data": [prompt]}],
                                 "parameters": {"max_tokens": max_tokens, "temperature": 0}}).encode()
        infer = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/{model}/infer", data=infer_body,
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(infer, timeout=60) as r:
            inferred = next(o for o in json.loads(r.read())["outputs"] if o["name"] == "text_output")["data"][0]
        print(json.dumps({"stream": "".join(pieces), "events": len(pieces), "finish_reason": finish,
                          "generate": generated, "infer": inferred}))
        return
    if mode == "metrics":
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
            text = r.read().decode()
        samples = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.labels.get("model") != model:
                    continue
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()) if k != "model")
                samples[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
        print(json.dumps(samples, sort_keys=True))
        return
    limit, file = float(sys.argv[4]), sys.argv[5]
    counts = {"ok": 0, "refused": 0, "unreachable": 0, "failed": []}
    lock = threading.Lock()
    end = time.time() + limit if mode == "load" else math.inf
    started = [0]

    def take():  # whether this worker sends another request
        with lock:
            if time.time() >= end or (mode == "count" and started[0] >= limit):
                return False
            started[0] += 1
            return True

    def worker():
        c = client(port)
        while take():
            try:
                request(c, model, [file])
                key = "ok"
            except InferenceServerException as e:
                key = "refused" if "503" in str(e.status()) or "shutting down" in str(e) else str(e)
            except Exception:  # refused connections once the listener is closed
                key = "unreachable"
                time.sleep(0.05)
            with lock:
                if key in ("ok", "refused", "unreachable"):
                    counts[key] += 1
                else:
                    counts["failed"].append(key)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
