#!/usr/bin/env python3
"""PyTorch peer of bench/train.mjs: one epoch of the same 392-128-64-10 MLP, Keras semantics.

Reads the batch data bench/train.mjs wrote (float32 images, uint8 labels, little-endian) and
trains on ONE thread: Glorot-uniform kernels and zero biases (Keras's defaults), softmax
cross-entropy on the logits, SGD lr 1e-4 or Adam (1e-3, 0.9, 0.999, epsilon 1e-7), batch 32,
a fresh shuffle each epoch; the same warm-up of 256 images first. Prints one JSON line shaped
like the Node runners' results.

It also says how the peer is set up, so that the comparison can be trusted: torch's version,
the BLAS line of torch.__config__.show(), the BLAS library this process actually mapped (from
/proc/self/maps, after the alternatives' links are followed), which kind that is (openblas, mkl,
blis, or the netlib reference BLAS), OpenBLAS's core type and torch's thread count.

Usage: torch_train.py IMAGES LABELS COUNT OPTIMIZER EPOCHS
       torch_train.py --setup      (only the setup, as JSON)
"""
import ctypes
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch


def blas_setup() -> dict:
    """How this torch computes its matrix products, read from the process itself."""
    config = torch.__config__.show()
    blas_info = re.findall(r"(?:BLAS_INFO|LAPACK_INFO)=[^,\s]+", config)
    mapped = set()
    with open("/proc/self/maps", encoding="utf8") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) < 6 or not fields[5].startswith("/"):
                continue
            name = os.path.basename(fields[5])
            if re.search(r"blas|mkl|blis|lapack", name, re.IGNORECASE):
                mapped.add(os.path.realpath(fields[5]))
    libraries = sorted(mapped)
    joined = " ".join(libraries).lower()
    if "openblas" in joined:
        kind = "openblas"
    elif "mkl" in joined:
        kind = "mkl"
    elif "blis" in joined:
        kind = "blis"
    elif re.search(r"/blas/libblas\.so", joined) or "libblas.so" in joined:
        kind = "reference"
    else:
        kind = "unknown"
    core = None
    for path in libraries:
        if "openblas" in path.lower():
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                core = lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                pass
    return {
        "torch": torch.__version__,
        "blasInfo": blas_info,
        "blasLibraries": libraries,
        "blasKind": kind,
        "openblasCore": core,
        "threads": torch.get_num_threads(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))},
    }


def main() -> None:
    if sys.argv[1:2] == ["--setup"]:
        torch.set_num_threads(1)
        # A product first: some BLAS libraries are mapped only when first used.
        torch.ones(64, 64) @ torch.ones(64, 64)
        print(json.dumps(blas_setup()))
        return
    images, labels, count, optimizer_name, epochs = sys.argv[1:6]
    count, epochs = int(count), int(epochs)
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x = torch.from_numpy(np.fromfile(images, dtype="<f4").reshape(count, 392).copy())
    y = torch.from_numpy(np.fromfile(labels, dtype=np.uint8).astype(np.int64))

    def layer(n_in: int, n_out: int) -> torch.nn.Linear:
        linear = torch.nn.Linear(n_in, n_out)
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        return linear

    model = torch.nn.Sequential(
        layer(392, 128), torch.nn.ReLU(), layer(128, 64), torch.nn.ReLU(), layer(64, 10)
    )
    loss_fn = torch.nn.CrossEntropyLoss()

    def make_optimizer() -> torch.optim.Optimizer:
        if optimizer_name == "sgd":
            return torch.optim.SGD(model.parameters(), lr=1e-4)
        return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def epoch(xs: torch.Tensor, ys: torch.Tensor, opt: torch.optim.Optimizer):
        order = torch.randperm(xs.shape[0])
        total, correct = 0.0, 0
        for start in range(0, xs.shape[0], 32):
            idx = order[start : start + 32]
            xb, yb = xs[idx], ys[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        return total / xs.shape[0], correct / xs.shape[0]

    epoch(x[:256], y[:256], make_optimizer())  # warm-up, then a fresh optimizer
    opt = make_optimizer()
    start = time.perf_counter()
    for _ in range(epochs):
        loss, accuracy = epoch(x, y, opt)
    seconds = (time.perf_counter() - start) / epochs
    print(
        json.dumps(
            {
                "backend": f"pytorch-{torch.__version__}-cpu-1-thread",
                "seconds": seconds,
                "loss": loss,
                "accuracy": accuracy,
                "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "setup": blas_setup(),
            }
        )
    )


if __name__ == "__main__":
    main()
