#!/usr/bin/env python3
"""Derive the validation scenarios (scenarios/validation/*.yaml) from published sources.

Every number written into a scenario comes from a file in this repository or a constant below that
names its source; nothing is fitted to the figures that tests/validation/validation_test.sh checks.
The derivation of each input is explained in docs/validation.md. Run from the repository root:

    python3 tests/validation/derive_inputs.py            # rewrites scenarios/validation/*.yaml
    python3 tests/validation/derive_inputs.py --check    # exit 1 if a committed file differs

Inputs:
  scenarios/profiles/orion_resnet50_4_fwd.csv  eth-easl/orion @ aded65dd, MIT: ResNet-50 batch-4
      kernels measured on a V100-16GB (PyTorch), Duration in ns, SM_usage, Profile label.
  tests/validation/fixtures/neusight_t4_bert_large_b8_s512_ops.csv  sitar-lab/NeuSight @ 6945927d,
      MIT: per-operator latency of BERT-large (batch 8, sequence 512, fp32) measured on a Tesla T4.
"""
import csv
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "scenarios", "validation")

# --- Published facts (each with its source) ------------------------------------------------------
V100_SMS = 80                 # NVIDIA V100 whitepaper
V100_FP32_FLOPS = 15.7e12     # NVIDIA V100 SXM2 datasheet
V100_DRAM_BPS = 900e9         # NVIDIA V100 datasheet
T4_SMS = 40                   # NVIDIA T4 datasheet
T4_FP32_FLOPS = 8.1e12        # NVIDIA T4 datasheet
T4_DRAM_BPS = 320e9           # NVIDIA T4 datasheet
# Median GPU compute time of one TensorRT ResNet-50 inference alone on a V100 at 100 % MPS threads,
# icloud-ecnu/igniter @ 9901e6b3 i-Gniter/Profile/data/durtime_resnet50_b<batch>_t100 (medians in
# /work/shared/data/igniter_v100_mps_thread_sweep.tsv). Used as the solo duration of the engine
# (the denominator of the sweep ratio and the solo time of the tensorrt-laboratory processes).
IGNITER_RESNET50_SOLO_MS = {1: 2.389, 4: 3.778}
# ResNet-50 input / output of one image (fp32): 3x224x224 floats in, 1000 floats out
# (tensorrt-laboratory examples/00_TensorRT/README.md: "Input/Output Tensors require 591.9 KiB").
RESNET50_INPUT_BYTES = 3 * 224 * 224 * 4
RESNET50_OUTPUT_BYTES = 1000 * 4
# BERT-base (Devlin et al. 2019; HuggingFace bert-base-uncased config): 12 layers, hidden 768,
# 12 heads of 64, FFN 3072. TorchServe's example pads every input to max_length 150
# (pytorch/serve @ 9c5287ab examples/Huggingface_Transformers/setup_config.json and
# Transformer_handler_generalized.py: encode_plus(max_length=150, pad_to_max_length=True)).
BERT_LAYERS, BERT_HIDDEN, BERT_HEADS, BERT_HEAD_DIM, BERT_FFN, BERT_SEQ = 12, 768, 12, 64, 3072, 150
# cuBLAS FP32 GEMM tile (one thread block computes a 128 x 64 output tile: the volta_sgemm_128x64
# kernel family named in eth-easl/orion profiling/postprocessing/generate_file.py). estimate.
GEMM_TILE_M, GEMM_TILE_N = 128, 64
# Shortest kernel a GPU runs (launch to completion of an almost empty kernel): the Orion V100 profile's
# shortest kernels take 4.0 us. Used as the floor of tiny elementwise kernels.
MIN_KERNEL_US = 4.0


# Emit the launch configuration and achieved throughputs of the co-execution model of issue 19
# (kernel keys blocks, threads_per_block, registers_per_thread, sm_throughput, dram_throughput and the
# request key `launch: async`). False reproduces the scenarios the model of main 5991fa3 accepts
# (the "before" column of docs/validation.md).
LAUNCH_CONFIG = True
# Residency of the ResNet-50 convolution kernels on a V100: for every 1x1 convolution of the Orion
# profile, the 128 x 64-tile implicit-GEMM block count ceil(N*P*Q / 128) * ceil(Cout / 64) is 4 x
# Orion's SM_usage (docs/validation.md has the table), i.e. Orion measured 4 resident blocks per SM.
# 128 threads and 128 registers per thread give exactly that on CC 7.0 (65,536 registers / (128 x 128)
# = 4 blocks; 2,048 threads / 128 = 16), so every ResNet-50 kernel gets blocks = 4 x SM_usage with that
# block shape (an estimate for the 3x3, pooling and fc kernels, whose launch shapes are not published).
RESNET_BLOCKS_PER_SM, RESNET_THREADS, RESNET_REGS = 4, 128, 128
# True writes FLOPs / (t x FP32 peak) as the ResNet-50 kernels' sm_throughput (the scenarios of the
# first issue-19 run, 09:20 UTC); False leaves it unknown (launch_fields explains why).
RESNET_SM_THROUGHPUT_FROM_FLOPS = False
# PyTorch elementwise kernels (aten/src/ATen/native/cuda/thread_constants.h, PyTorch 2.x): 128 threads
# per block, 4 elements per thread; registers per thread not published (32 assumed, estimate).
ELEMENTWISE_THREADS, ELEMENTWISE_PER_THREAD, ELEMENTWISE_REGS = 128, 4, 32


def orion_rows():
    with open(os.path.join(ROOT, "scenarios", "profiles", "orion_resnet50_4_fwd.csv"), newline="") as f:
        return list(csv.DictReader(f))


# --- ResNet-50 (torchvision v1.5: stride in the 3x3 conv) layer shapes, He et al. 2016 Table 1 ----
def resnet50_convs():
    """(in_ch, out_ch, kernel, out_hw, in_hw) of the 53 convolutions in PyTorch forward order:
    stem, then per bottleneck block conv1, conv2, conv3 and, in the first block of a stage, the
    downsample conv (launched after conv3, as the Orion profile's order shows)."""
    convs = [(3, 64, 7, 112, 224)]
    stages = [(3, 64, 256, 1, 56), (4, 128, 512, 2, 56), (6, 256, 1024, 2, 28), (3, 512, 2048, 2, 14)]
    in_ch = 64
    for blocks, width, out, stride, hw_in in stages:
        hw_out = hw_in // stride
        for b in range(blocks):
            cin = in_ch if b == 0 else out
            s = stride if b == 0 else 1
            hin = hw_in if b == 0 else hw_out
            convs.append((cin, width, 1, hin, hin))
            convs.append((width, width, 3, hw_out, hin))
            convs.append((width, out, 1, hw_out, hw_out))
            if b == 0:
                convs.append((cin, out, 1, hw_out, hin))
        in_ch = out
    assert len(convs) == 53
    return convs


def conv_flops_bytes(conv, batch):
    cin, cout, k, hw_out, hw_in = conv
    flops = 2.0 * batch * hw_out * hw_out * cout * cin * k * k
    data = 4.0 * (batch * cin * hw_in * hw_in + batch * cout * hw_out * hw_out + cin * cout * k * k)
    return flops, data


def tensorrt_resnet50_kernels(batch):
    """The kernels of a TensorRT ResNet-50 engine at `batch`, derived from the Orion batch-4 profile.

    TensorRT folds BatchNorm into the convolution and fuses ReLU and the residual add into its
    epilogue (NVIDIA TensorRT Layer Fusion Catalog), so the engine keeps the 53 convolutions, the
    max pool, the average pool (Orion's reduce_kernel) and the fc GEMM; the BatchNorm and
    elementwise kernels of the PyTorch profile disappear.
    Batch 4 -> batch 1: a kernel's grid grows with the batch (implicit-GEMM M = N x P x Q, pooling
    grids over N x C x H x W), so SMs needed = ceil(SM_usage / 4), and its time scales with its
    waves on the V100's 80 SMs: t1 = t4 x ceil(sms1 / 80) / ceil(sms4 / 80).
    Then every duration is scaled by one factor so that the engine's sum equals iGniter's measured
    solo compute time at that batch (the engine iGniter ran is TensorRT, Orion's is PyTorch).
    """
    rows = orion_rows()
    convs = iter(resnet50_convs())
    kernels = []
    for r in rows:
        name, label, sms4, dur4 = r["Name"], int(r["Profile"]), int(r["SM_usage"]), int(r["Duration"])
        if name == "Conv":
            kind = "conv"
            conv = next(convs)
        elif "max_pool" in name:
            kind, conv = "maxpool", None
        elif "reduce_kernel" in name:
            kind, conv = "avgpool", None
        elif "sgemm" in name:
            kind, conv = "fc", None
        else:
            continue  # BatchNorm, ReLU, residual add, flatten copy: fused away by TensorRT
        if batch == 4:
            sms, dur = sms4, float(dur4)
        else:
            assert batch == 1
            sms = sms4 if kind == "fc" else max(1, math.ceil(sms4 / 4))
            dur = dur4 * math.ceil(sms / V100_SMS) / math.ceil(sms4 / V100_SMS)
        if kind == "conv":
            flops, data = conv_flops_bytes(conv, batch)
        elif kind == "maxpool":  # 3x3 stride 2 over 64 x 112 x 112 -> 64 x 56 x 56
            flops, data = 9.0 * batch * 64 * 56 * 56, 4.0 * batch * 64 * (112 * 112 + 56 * 56)
        elif kind == "avgpool":  # 2048 x 7 x 7 -> 2048
            flops, data = 1.0 * batch * 2048 * 49, 4.0 * batch * 2048 * 50
        else:  # fc 2048 -> 1000
            flops, data = 2.0 * batch * 2048 * 1000, 4.0 * (2048 * 1000 + batch * 3048)
        kernels.append({"kind": kind, "label": label, "sms": sms, "dur_ns": dur, "flops": flops, "bytes": data,
                        "blocks": RESNET_BLOCKS_PER_SM * sms, "threads": RESNET_THREADS, "regs": RESNET_REGS})
    raw_ms = sum(k["dur_ns"] for k in kernels) / 1e6
    scale = IGNITER_RESNET50_SOLO_MS[batch] / raw_ms
    for k in kernels:
        k["dur_ns"] = max(1.0, round(k["dur_ns"] * scale))
        t = k["dur_ns"] * 1e-9
        k["sm_throughput"] = min(1.0, k["flops"] / (t * V100_FP32_FLOPS))
        k["dram_throughput"] = min(1.0, k["bytes"] / (t * V100_DRAM_BPS))
        # today's model: the Orion label as the loader maps it (1 -> 0, 0 -> 1, -1 -> 0.5)
        k["memory_bound"] = {1: 0.0, 0: 1.0, -1: 0.5}[k["label"]]
    return kernels, raw_ms, scale


def kernel_yaml(name, dur_ns, sms, memory_bound, extra=None):
    fields = [f"name: {name}", f"duration: {dur_ns / 1000:.3f}us", f"sms: {sms}", f"memory_bound: {memory_bound:g}"]
    for key, value in (extra or {}).items():
        fields.append(f"{key}: {value}")
    return "        - kernel: {" + ", ".join(fields) + "}"


def launch_fields(k):
    """The issue-19 kernel keys of kernel k (empty without LAUNCH_CONFIG or when unknown)."""
    if not LAUNCH_CONFIG or "blocks" not in k:
        return {}
    fields = {"blocks": k["blocks"], "threads_per_block": k["threads"], "registers_per_thread": k["regs"]}
    if "sm_throughput" in k:
        # A ResNet-50 kernel's FLOP count over the FP32 peak is not Nsight Compute's "Compute (SM)
        # Throughput" (the busiest SM pipe: an implicit-GEMM convolution also keeps the load/store and
        # shared-memory pipes busy feeding its FMAs): it is a lower bound, which would claim room the
        # kernel does not leave. Such kernels say nothing, and the model takes its Little's-law default
        # (issue_saturation_warps); their byte counts stay as dram_throughput. The BERT GEMMs' value
        # is the busy fraction of SM-time of the duration rule itself, and stays.
        if RESNET_SM_THROUGHPUT_FROM_FLOPS or "flops" not in k:
            fields["sm_throughput"] = f"{k['sm_throughput']:.4f}"
        fields["dram_throughput"] = f"{k['dram_throughput']:.4f}"
    return fields


def launch_key():
    return "      launch: async\n" if LAUNCH_CONFIG else ""


def resnet_ops(kernels, with_copies):
    lines = []
    if with_copies:
        lines.append(f"        - h2d: {RESNET50_INPUT_BYTES}B")
    for i, k in enumerate(kernels):
        lines.append(kernel_yaml(f"{k['kind']}{i}", k["dur_ns"], k["sms"], k["memory_bound"], launch_fields(k)))
    if with_copies:
        lines.append(f"        - d2h: {RESNET50_OUTPUT_BYTES}B")
    return "\n".join(lines)


HEADER = "# GENERATED by tests/validation/derive_inputs.py from published sources; do not edit by hand.\n" \
         "# How every input is derived: docs/validation.md.\n"


def write(name, text, check):
    path = os.path.join(OUT_DIR, name)
    if check:
        with open(path) as f:
            if f.read() != text:
                print(f"{path} differs from what derive_inputs.py writes", file=sys.stderr)
                return False
        return True
    with open(path, "w") as f:
        f.write(text)
    return True


def igniter_sweep_scenario(batch):
    kernels, raw_ms, scale = tensorrt_resnet50_kernels(batch)
    return HEADER + f"""# iGniter MPS thread sweep (icloud-ecnu/igniter, V100 p3.2xlarge): one TensorRT ResNet-50 process
# alone under MPS, batch {batch}, trtexec one inference at a time. The test runs it with
# --set workloads.resnet50.env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=P for P = 10..100 and compares
# latency(P) / latency(100) with iGniter's medians. {len(kernels)} kernels; the Orion-derived sum at batch {batch}
# {raw_ms:.3f} ms scaled by {scale:.4f} to iGniter's measured {IGNITER_RESNET50_SOLO_MS[batch]} ms.
name: igniter-v100-resnet50-b{batch}-mps
seed: 1
duration: 2s
warmup: 100ms
devices:
  - name: p3
    gpus: 1
    gpu_profile: v100-16gb
    sharing: mps
    setup:
      - kubernetes: {{}}
workloads:
  - name: resnet50
    device: p3
    env:
      NVIDIA_VISIBLE_DEVICES: "0"
      CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: "100"
    arrivals: {{closed_loop: {{clients: 1}}}}
    request:
{launch_key()}      ops:
{resnet_ops(kernels, with_copies=False)}
"""


def trtlab_scenario(processes, sharing):
    kernels, raw_ms, scale = tensorrt_resnet50_kernels(1)
    clients = 4 * processes
    return HEADER + f"""# tensorrt-laboratory examples/98_MultiProcessSingleStream (NVIDIA, BSD-3-Clause): ResNet-50 batch 1
# FP32 TensorRT, {processes} process(es) with one stream each on one V100-16GB ({sharing}), requests
# load-balanced over the processes, always more requests waiting than processes (1000 sent by an
# async client): modeled as {clients} closed-loop clients without think time. {len(kernels)} kernels
# (Orion batch 4 -> batch 1, sum {raw_ms:.3f} ms scaled by {scale:.4f} to iGniter's measured
# {IGNITER_RESNET50_SOLO_MS[1]} ms), one 3x224x224 fp32 image in, 1000 fp32 scores out.
name: trtlab-v100-resnet50-b1-{processes}proc-{sharing}
seed: 1
duration: 3s
warmup: 300ms
devices:
  - name: dgx1v
    gpus: 1
    gpu_profile: v100-16gb
    sharing: {sharing}
    setup:
      - kubernetes: {{}}
workloads:
  - name: resnet50
    device: dgx1v
    replicas: {processes}
    env:
      NVIDIA_VISIBLE_DEVICES: "0"
    arrivals: {{closed_loop: {{clients: {clients}}}}}
    request:
{launch_key()}      ops:
{resnet_ops(kernels, with_copies=True)}
"""


# --- BERT on a T4 from NeuSight's measured T4 operator latencies ----------------------------------
def neusight_rates():
    """Achieved FP32 GEMM rate and elementwise bandwidth of a T4, from NeuSight's BERT-large layer 0."""
    path = os.path.join(ROOT, "tests", "validation", "fixtures", "neusight_t4_bert_large_b8_s512_ops.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    m, h, ffn = 8 * 512, 1024, 4096
    gemm = {"query": (m, h, h), "key": (m, h, h), "value": (m, h, h), "attention.output.dense": (m, h, h),
            "intermediate.dense": (m, ffn, h), "output.dense": (m, h, ffn)}
    flops = secs = 0.0
    for r in rows:
        t = r["target"]
        for key, (mm, n, k) in gemm.items():
            full = "bert.encoder.layer.0." + ("attention.self." + key if key in ("query", "key", "value") else key)
            if t == full:
                flops += 2.0 * mm * n * k
                secs += float(r["latency_ms"]) / 1e3
    gemm_rate = flops / secs
    # elementwise: the residual adds of [8,512,1024] + [8,512,1024] (read 2, write 1)
    add_bytes = 3 * 8 * 512 * 1024 * 4
    adds = [float(r["latency_ms"]) for r in rows
            if r["target"] == "<built-in function add>" and r["input_shapes"] == "[[8, 512, 1024], [8, 512, 1024]]"]
    elem_bw = add_bytes / (sum(adds) / len(adds) / 1e3)
    ln = [float(r["latency_ms"]) for r in rows if r["target"].endswith("LayerNorm") and "encoder" in r["target"]]
    ln_bw = 2 * 8 * 512 * 1024 * 4 / (sum(ln) / len(ln) / 1e3)
    return gemm_rate, elem_bw, ln_bw, len(adds)


def bert_kernels(batch):
    gemm_rate, elem_bw, ln_bw, _ = neusight_rates()
    per_sm = gemm_rate / T4_SMS
    s, hdim, heads, dh, ffn = BERT_SEQ, BERT_HIDDEN, BERT_HEADS, BERT_HEAD_DIM, BERT_FFN
    tokens = batch * s
    out = []

    def gemm(name, m, n, k, count=1):
        tiles = count * math.ceil(m / GEMM_TILE_M) * math.ceil(n / GEMM_TILE_N)
        tile_s = 2.0 * GEMM_TILE_M * GEMM_TILE_N * k / per_sm
        waves = math.ceil(tiles / T4_SMS)
        t = waves * tile_s
        # The duration rule above takes an SM running one tile to be saturated at the per-SM rate
        # NeuSight measured under full load, so the SM throughput alone is the busy fraction of
        # SM-time: tiles x tile time / (t x SMs) (not useful FLOPs / peak, which would let a second
        # client's tiles run beside the first at full speed, contradicting that rule).
        data = 4.0 * count * (m * k + k * n + m * n)
        out.append({"name": name, "dur_ns": round(t * 1e9), "sms": min(T4_SMS, tiles), "memory_bound": 0.0,
                    "sm_throughput": min(1.0, tiles * tile_s / (t * T4_SMS)),
                    "dram_throughput": min(1.0, data / (t * T4_DRAM_BPS)),
                    "blocks": tiles, "threads": RESNET_THREADS, "regs": RESNET_REGS})

    def elementwise(name, nbytes, bw=None, elements=None, ops_per_element=1):
        # elements written (default: a quarter of the fp32 bytes moved, read + write of one tensor)
        elements = elements if elements is not None else nbytes / 8
        t = max(MIN_KERNEL_US * 1e-6, nbytes / (bw or elem_bw))
        out.append({"name": name, "dur_ns": round(t * 1e9), "sms": T4_SMS, "memory_bound": 1.0,
                    "sm_throughput": min(1.0, ops_per_element * elements / (t * T4_FP32_FLOPS)),
                    "dram_throughput": min(1.0, nbytes / (t * T4_DRAM_BPS)),
                    "blocks": max(1, math.ceil(elements / (ELEMENTWISE_THREADS * ELEMENTWISE_PER_THREAD))),
                    "threads": ELEMENTWISE_THREADS, "regs": ELEMENTWISE_REGS})

    act = 4.0 * tokens * hdim
    for g in ("word", "token_type", "position"):
        elementwise(f"emb_{g}", act * (1 if g != "position" else 1.0 / batch) + (0 if g == "position" else 4.0 * tokens),
                    elements=act / 4 / (1 if g != "position" else batch), ops_per_element=0)
    elementwise("emb_add0", 3 * act, elements=act / 4)
    elementwise("emb_add1", 3 * act, elements=act / 4)
    elementwise("emb_ln", 2 * act, ln_bw, ops_per_element=8)
    scores = 4.0 * batch * heads * s * s
    for layer in range(BERT_LAYERS):
        p = f"l{layer}_"
        gemm(p + "q", tokens, hdim, hdim)
        gemm(p + "k", tokens, hdim, hdim)
        gemm(p + "v", tokens, hdim, hdim)
        gemm(p + "qk", s, s, dh, count=batch * heads)
        elementwise(p + "scale", 2 * scores)
        elementwise(p + "mask", 2 * scores)
        elementwise(p + "softmax", 2 * scores, ops_per_element=5)
        gemm(p + "av", s, dh, s, count=batch * heads)
        elementwise(p + "contiguous", 2 * act, ops_per_element=0)
        gemm(p + "attn_out", tokens, hdim, hdim)
        elementwise(p + "add1", 3 * act, elements=act / 4)
        elementwise(p + "ln1", 2 * act, ln_bw, ops_per_element=8)
        gemm(p + "ffn1", tokens, ffn, hdim)
        elementwise(p + "gelu", 2 * act * ffn / hdim, ops_per_element=8)
        gemm(p + "ffn2", tokens, hdim, ffn)
        elementwise(p + "add2", 3 * act, elements=act / 4)
        elementwise(p + "ln2", 2 * act, ln_bw, ops_per_element=8)
    # pooler dense + tanh and the classifier: batch x 768 rows, weight-read (GEMV-like) kernels
    elementwise("pooler_dense", 4.0 * hdim * hdim, elements=batch * hdim, ops_per_element=2 * hdim)
    elementwise("pooler_tanh", 2 * 4.0 * batch * hdim, ops_per_element=8)
    elementwise("classifier", 4.0 * hdim * 2, elements=batch * 2, ops_per_element=2 * hdim)
    return out


def torchserve_scenario(batch):
    kernels = bert_kernels(batch)
    gpu_ms = sum(k["dur_ns"] for k in kernels) / 1e6
    lines = "\n".join(kernel_yaml(k["name"], k["dur_ns"], k["sms"], k["memory_bound"], launch_fields(k)) for k in kernels)
    ids_bytes = 3 * batch * BERT_SEQ * 8  # input_ids, attention_mask, token_type_ids as int64
    return HEADER + f"""# TorchServe docs/nvidia_mps.md (pytorch/serve @ 9c5287ab, Apache-2.0): HuggingFace BERT sequence
# classification (bert-base-uncased, inputs padded to 150 tokens), 2 workers (2 processes) on one T4
# (g4dn.4xlarge), concurrency 600 so batches are always full: modeled as one request = one batch of
# {batch}, 8 closed-loop clients per worker without think time. Run as is (MPS) and with
# --set devices.g4dn.sharing=time-slicing (TorchServe without MPS). {len(kernels)} kernels, {gpu_ms:.3f} ms of
# GPU time alone per batch, derived from NeuSight's T4 measurements (docs/validation.md).
name: torchserve-t4-bert-b{batch}
seed: 1
duration: 10s
warmup: 1s
devices:
  - name: g4dn
    gpus: 1
    gpu_profile: t4
    sharing: mps
    setup:
      - kubernetes: {{}}
workloads:
  - name: bert
    device: g4dn
    replicas: 2
    env:
      NVIDIA_VISIBLE_DEVICES: "0"
    arrivals: {{closed_loop: {{clients: 16}}}}
    request:
{launch_key()}      ops:
        - h2d: {ids_bytes}B
{lines}
        - d2h: {batch * 2 * 4}B
"""


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT_DIR, exist_ok=True)
    ok = True
    for b in (4, 1):
        ok &= write(f"igniter-v100-resnet50-b{b}-mps.yaml", igniter_sweep_scenario(b), check)
    ok &= write("trtlab-v100-resnet50-b1-1proc.yaml", trtlab_scenario(1, "time-slicing"), check)
    ok &= write("trtlab-v100-resnet50-b1-8proc.yaml", trtlab_scenario(8, "mps"), check)
    for b in (1, 2, 4, 8):
        ok &= write(f"torchserve-t4-bert-b{b}.yaml", torchserve_scenario(b), check)
    if "--explain" in sys.argv:
        for batch in (4, 1):
            kernels, raw_ms, scale = tensorrt_resnet50_kernels(batch)
            print(f"resnet50 b{batch}: {len(kernels)} kernels, Orion-derived sum {raw_ms:.3f} ms, scale {scale:.4f}, "
                  f"mean sm_throughput {sum(k['sm_throughput'] * k['dur_ns'] for k in kernels) / sum(k['dur_ns'] for k in kernels):.3f}, "
                  f"mean dram_throughput {sum(k['dram_throughput'] * k['dur_ns'] for k in kernels) / sum(k['dur_ns'] for k in kernels):.3f}")
        gemm_rate, elem_bw, ln_bw, nadds = neusight_rates()
        print(f"T4 (NeuSight): FP32 GEMM {gemm_rate / 1e12:.3f} TFLOP/s, elementwise {elem_bw / 1e9:.1f} GB/s "
              f"(mean of {nadds} adds), LayerNorm {ln_bw / 1e9:.1f} GB/s")
        for b in (1, 2, 4, 8):
            ks = bert_kernels(b)
            ms = sum(k["dur_ns"] for k in ks) / 1e6
            print(f"bert b{b}: {len(ks)} kernels, {ms:.3f} ms alone, {b / ms * 1e3:.1f} items/s one worker")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
