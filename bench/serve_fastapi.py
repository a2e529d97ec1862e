#!/opt/tessera/venv/bin/python
"""The peer of `tessera serve` in bench/serve.sh: FastAPI + uvicorn + PyTorch, the stack a Python
team would write, serving the same simple_cnn weights (RUN/weights.safetensors, keys as
Tessera saves them) on the same request bytes.

  python bench/serve_fastapi.py RUN_DIR PORT [--threads N]

POST /predict with an encoded image as the body (a digits PNG) -> {"label", "probabilities"}:
PIL decodes it to grey, (x/255 - 0.5)/0.5 as the run's data.mean/std, one forward pass under
torch.inference_mode, softmax. GET /ready answers 200 once the model is loaded. The body is read
on the event loop and the work runs on Starlette's thread pool (run_in_threadpool), where torch
releases the GIL inside the forward pass; one process, like `tessera serve`. No batching: what
such a server usually does.
"""
import argparse
import io
import json
import os

import numpy as np
import torch
import torch.nn as nn
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from PIL import Image
from safetensors.torch import load_file


def simple_cnn(classes, width):
    """Tessera's simple_cnn (src/models/simple_cnn.cpp), layer for layer, with its state_dict names."""
    layers = []

    def block(i, o):
        layers.extend([nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)])

    block(1, width)
    block(width, width)
    layers.append(nn.MaxPool2d(2))
    block(width, 2 * width)
    block(2 * width, 2 * width)
    layers.append(nn.MaxPool2d(2))
    block(2 * width, 4 * width)
    model = nn.Module()
    model.features = nn.Sequential(*layers)
    model.fc = nn.Linear(4 * width, classes)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    weights = load_file(os.path.join(args.run, "weights.safetensors"))
    with open(os.path.join(args.run, "labels.txt")) as f:
        classes = [line.rstrip("\n") for line in f if line.strip()]
    width = weights["features.0.weight"].shape[0]
    model = simple_cnn(len(classes), width)
    model.load_state_dict(weights)
    model.eval()

    app = FastAPI()

    @app.get("/ready")
    def ready():
        return {}

    def infer(body):
        grey = np.asarray(Image.open(io.BytesIO(body)).convert("L"), dtype=np.float32)
        x = torch.from_numpy(grey).div_(255).sub_(0.5).div_(0.5)[None, None]
        with torch.inference_mode():
            features = model.features(x).mean((2, 3))
            p = torch.softmax(model.fc(features), 1)[0]
        best = int(p.argmax())
        return json.dumps({"label": classes[best], "probabilities": p.tolist()})

    @app.post("/predict")
    async def predict(request: Request):
        body = await request.body()
        return Response(await run_in_threadpool(infer, body), media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
