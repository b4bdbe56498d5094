#!/usr/bin/env python3
"""Builds the ONNX models the tests and benchmarks deploy, with Debian's python3-onnx: small policy networks
(obs[batch, 8] -> action[batch, 2]) and models that must be rejected for one reason each.

usage: make-test-models.py <output-dir> [--sizes-mb 1,10,100]
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def policy(name, seed, observations=8, hidden=64, width=None):
    """A two-layer MLP policy with a dynamic batch: what the policy runner on the device serves."""
    rng = np.random.default_rng(seed)
    hidden = width or hidden
    w1 = numpy_helper.from_array(rng.standard_normal((observations, hidden)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.standard_normal(hidden).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.standard_normal((hidden, 2)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.standard_normal(2).astype(np.float32), "b2")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["obs", "w1", "b1"], ["h"]),
         helper.make_node("Tanh", ["h"], ["ht"]),
         helper.make_node("Gemm", ["ht", "w2", "b2"], ["a"]),
         helper.make_node("Tanh", ["a"], ["action"])],
        name,
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, ["batch", observations])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT, ["batch", 2])],
        [w1, b1, w2, b2])
    return model(graph)


def multi_input():
    """Inputs of three element types, two with dynamic dimensions: image[batch, 3, height, width] float,
    steps[batch, horizon] int64 and gain[] double."""
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["image"], ["pooled"], axes=[1, 2, 3], keepdims=0),
         helper.make_node("Cast", ["steps"], ["steps_f"], to=TensorProto.FLOAT),
         helper.make_node("ReduceSum", ["steps_f", "one_axis"], ["step_sum"], keepdims=0),
         helper.make_node("Cast", ["gain"], ["gain_f"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["pooled", "step_sum"], ["mixed"]),
         helper.make_node("Mul", ["mixed", "gain_f"], ["score"]),
         helper.make_node("Shape", ["steps"], ["steps_shape"])],
        "multi-input",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, "height", "width"]),
         helper.make_tensor_value_info("steps", TensorProto.INT64, ["batch", "horizon"]),
         helper.make_tensor_value_info("gain", TensorProto.DOUBLE, [])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch"]),
         helper.make_tensor_value_info("steps_shape", TensorProto.INT64, [2])],
        [numpy_helper.from_array(np.array([1], dtype=np.int64), "one_axis")])
    return model(graph)


def nan_output():
    """Valid and runnable, but its output is NaN for every input: sqrt(-(|x| + 1))."""
    graph = helper.make_graph(
        [helper.make_node("Abs", ["obs"], ["abs"]),
         helper.make_node("Add", ["abs", "one"], ["positive"]),
         helper.make_node("Neg", ["positive"], ["negative"]),
         helper.make_node("Sqrt", ["negative"], ["action"])],
        "nan-output",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT, ["batch", 8])],
        [numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")])
    return model(graph)


def inference_fails():
    """Loads, but running it fails: it gathers column 100 of an 8-column input."""
    graph = helper.make_graph(
        [helper.make_node("Gather", ["obs", "column"], ["action"], axis=1)],
        "inference-fails",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT, ["batch", 1])],
        [numpy_helper.from_array(np.array([100], dtype=np.int64), "column")])
    return model(graph)


def future_opset():
    """An Identity stamped with ai.onnx opset 99, which no runtime implements."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["obs"], ["action"])], "future-opset",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT, [1, 8])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 99)], ir_version=8,
                             producer_name="caravan-test-models")


def model(graph):
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8,
                              producer_name="caravan-test-models")
    onnx.checker.check_model(built)
    return built


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    models = {
        "policy-v1.onnx": policy("policy-v1", 1),
        "policy-v2.onnx": policy("policy-v2", 2),
        "policy-v3.onnx": policy("policy-v3", 3),
        # valid ONNX, but it takes 5 observations where the runner on the device gives 8
        "policy-wrong-contract.onnx": policy("policy-wrong-contract", 4, observations=5),
        "multi-input.onnx": multi_input(),
        "nan-output.onnx": nan_output(),
        "inference-fails.onnx": inference_fails(),
        "future-opset.onnx": future_opset(),
    }
    if "--sizes-mb" in sys.argv:
        # the benchmarks' policies: obs[8] -> width -> action[2], 11 x width float32 weights of 4 bytes make up the size
        for megabytes in sys.argv[sys.argv.index("--sizes-mb") + 1].split(","):
            width = int(megabytes) * 1024 * 1024 // 44
            models[f"policy-{megabytes}mb.onnx"] = policy(f"policy-{megabytes}mb", 5, width=width)
    for name, built in models.items():
        onnx.save(built, str(out / name))


if __name__ == "__main__":
    main()
