#!/opt/tessera/venv/bin/python
"""Triton's own HTTP client (tritonclient.http) against a server on 127.0.0.1:PORT that serves
the fake model "double" (tests/serve/fake_models.h): health, metadata, JSON and binary tensors,
BYTES through the binary-data extension, and the errors it raises. Prints one line per check and
"ALL OK" at the end; exits 1 at the first check that fails.

    triton_client.py PORT
"""
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def check(what, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f": {detail}" if detail and not condition else ""))
    if not condition:
        sys.exit(1)


def main():
    client = httpclient.InferenceServerClient(url=f"127.0.0.1:{int(sys.argv[1])}", connection_timeout=10,
                                              network_timeout=10)
    check("server live", client.is_server_live())
    check("server ready", client.is_server_ready())
    check("model ready", client.is_model_ready("double"))
    check("server metadata", client.get_server_metadata()["name"] == "tessera")
    check("model metadata", client.get_model_metadata("double")["name"] == "double")

    x = np.array([[1.5, -2.0, 3.25]], dtype=np.float32)
    for binary in (False, True):
        given = httpclient.InferInput("x", list(x.shape), "FP32")
        given.set_data_from_numpy(x, binary_data=binary)
        wanted = httpclient.InferRequestedOutput("y", binary_data=binary)
        result = client.infer("double", [given], outputs=[wanted], request_id="r1")
        y = result.as_numpy("y")
        check(f"FP32 infer, binary={binary}", y is not None and y.shape == x.shape and np.array_equal(y, 2 * x),
              repr(y))
        check(f"request id echoed, binary={binary}", result.get_response()["id"] == "r1")

    blobs = np.array([b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b""], dtype=np.object_)
    given = httpclient.InferInput("image", [3], "BYTES")
    given.set_data_from_numpy(blobs, binary_data=True)
    result = client.infer("double", [given], outputs=[httpclient.InferRequestedOutput("lengths", binary_data=True)])
    check("BYTES as binary data", list(result.as_numpy("lengths")) == [4, 8, 0], repr(result.as_numpy("lengths")))

    try:
        client.infer("nope", [given])
        check("unknown model raises", False)
    except InferenceServerException as e:
        check("unknown model raises with the server's message", "no model named 'nope'" in str(e), str(e))
    try:
        bad = httpclient.InferInput("x", [1], "INT8")
        bad.set_data_from_numpy(np.array([1], dtype=np.int8))
        client.infer("double", [bad])
        check("a refused input raises", False)
    except InferenceServerException as e:
        check("a refused input raises with the model's message", "expected one FP32 input" in str(e), str(e))
    print("ALL OK")


if __name__ == "__main__":
    main()
