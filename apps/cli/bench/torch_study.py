#!/usr/bin/env python3
"""The PyTorch peer of `fmnist study`: the same six trainings on one CPU thread, as a PyTorch
user would write them, for bench/study-vs-torch.mjs to time against the CLI.

Part 1: Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(10) on the 14x28 top half, SGD
lr 1e-4, 10 epochs, batch 32, validation after every epoch; then the very same initial weights
trained on the bottom half. Part 2, top half, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-7), 15
epochs, batch 32: base 128-64-32; early stopping (its own run, patience 3 on validation loss,
best weights restored); batch normalisation after each hidden Dense (no bias there, momentum
0.01 = Keras's 0.99, eps 1e-3); dropout 0.5 after each hidden Dense. Glorot-uniform kernels,
zero biases, cross-entropy on the logits, a fresh shuffle every epoch, test predictions at the
end. The data: the Fashion-MNIST files themselves (first 50,000 training images to train on,
the last 10,000 to validate, the test set), scaled to [0, 1].

Usage: torch_study.py DATA_DIR     prints one JSON document: per model its seconds, epochs run
and test accuracy, the whole run's wall seconds and peak RSS, and the peer's BLAS setup.
"""
import copy
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "packages", "nn", "bench"))
from torch_train import blas_setup  # noqa: E402  (the benchmark's own check of the peer)


def idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(data_dir: str):
    def split(name: str):
        images = idx(os.path.join(data_dir, f"{name}-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
        labels = idx(os.path.join(data_dir, f"{name}-labels-idx1-ubyte.gz"), 8).astype(np.int64)
        return images.astype(np.float32) / 255.0, labels

    train_x, train_y = split("train")
    test_x, test_y = split("t10k")
    sets = {"train": (train_x[:50000], train_y[:50000]), "val": (train_x[50000:], train_y[50000:]),
            "test": (test_x, test_y)}
    crops = {}
    for half, rows in (("top", slice(0, 14)), ("bottom", slice(14, 28))):
        crops[half] = {k: (torch.from_numpy(np.ascontiguousarray(x[:, rows, :]).reshape(len(x), -1)),
                           torch.from_numpy(y)) for k, (x, y) in sets.items()}
    return crops


def dense(n_in: int, n_out: int, bias: bool = True) -> torch.nn.Linear:
    linear = torch.nn.Linear(n_in, n_out, bias=bias)
    torch.nn.init.xavier_uniform_(linear.weight)
    if bias:
        torch.nn.init.zeros_(linear.bias)
    return linear


def model(hidden, batch_norm=False, dropout=0.0) -> torch.nn.Sequential:
    layers, width = [], 392
    for units in hidden:
        layers += [dense(width, units, bias=not batch_norm), torch.nn.ReLU()]
        if batch_norm:
            layers.append(torch.nn.BatchNorm1d(units, eps=1e-3, momentum=0.01))
        if dropout > 0:
            layers.append(torch.nn.Dropout(dropout))
        width = units
    layers.append(dense(width, 10))
    return torch.nn.Sequential(*layers)


def evaluate(net, x, y):
    net.eval()
    with torch.no_grad():
        logits = torch.cat([net(x[i:i + 1024]) for i in range(0, len(x), 1024)])
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        predictions = logits.argmax(1)
    return loss, float((predictions == y).float().mean()), predictions


def fit(net, data, optimizer, epochs, patience=None):
    x, y = data["train"]
    loss_fn = torch.nn.CrossEntropyLoss()
    best, best_state, waited, epochs_run = float("inf"), None, 0, 0
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        epochs_run += 1
        val_loss, _, _ = evaluate(net, *data["val"])
        if patience is not None:
            if val_loss < best:
                best, best_state, waited = val_loss, copy.deepcopy(net.state_dict()), 0
            else:
                waited += 1
                if waited >= patience:
                    break
    if best_state is not None:
        net.load_state_dict(best_state)
    _, accuracy, _ = evaluate(net, *data["test"])
    return {"seconds": time.perf_counter() - start, "epochsRun": epochs_run, "testAccuracy": accuracy}


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(1)
    wall = time.perf_counter()
    crops = load(sys.argv[1])
    results = {}
    # Part 1: top, then the same initial weights on bottom.
    net = model([128, 64])
    initial = copy.deepcopy(net.state_dict())
    for half in ("top", "bottom"):
        net.load_state_dict(initial)
        results[f"part1-{half}"] = fit(net, crops[half], torch.optim.SGD(net.parameters(), lr=1e-4), 10)
    # Part 2 on the top half.
    for name, kwargs, patience in (("base", {}, None), ("early-stopping", {}, 3),
                                   ("batch-norm", {"batch_norm": True}, None),
                                   ("dropout", {"dropout": 0.5}, None)):
        net = model([128, 64, 32], **kwargs)
        adam = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        results[name] = fit(net, crops["top"], adam, 15, patience)
    print(json.dumps({
        "models": results,
        "wallSeconds": time.perf_counter() - wall,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "setup": blas_setup(),
    }))


if __name__ == "__main__":
    main()
