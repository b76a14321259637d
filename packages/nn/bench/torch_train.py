#!/usr/bin/env python3
"""PyTorch peer of bench/train.mjs: one epoch of the same 392-128-64-10 MLP, Keras semantics.

Reads the batch data bench/train.mjs wrote (float32 images, uint8 labels, little-endian) and
trains on ONE thread: Glorot-uniform kernels and zero biases (Keras's defaults), softmax
cross-entropy on the logits, SGD lr 1e-4 or Adam (1e-3, 0.9, 0.999, epsilon 1e-7), batch 32,
a fresh shuffle each epoch; the same warm-up of 256 images first. Prints one JSON line shaped
like the Node runners' results.

Usage: torch_train.py IMAGES LABELS COUNT OPTIMIZER EPOCHS
"""
import json
import resource
import sys
import time

import numpy as np
import torch


def main() -> None:
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
            }
        )
    )


if __name__ == "__main__":
    main()
