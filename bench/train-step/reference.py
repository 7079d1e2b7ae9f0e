"""The Python side of scripts/bench train-step: one LCL training step as OpenCLIP runs it on
Debian's python3-torch 1.13 (same libtorch as the Java side), driven by TrainStep.java over
stdin/stdout.

The model is lcl_reference.LCL (lcl-models/src/test/python, the project's independent PyTorch
reference of LCL) with the Java model's weights and the Java side's batch, both read from the
file TrainStep.java wrote with Torch.save. Its GELUs are swapped for nn.GELU (F.gelu, one op),
as OpenCLIP's blocks run it; lcl_reference writes GELU out as elementwise ops, which would make
this side slower for a reason that is not the implementation under test.

The step: zero_grad(set_to_none=True), forward, LCL loss (lcl_reference.lcl_loss: contrastive
in fp32 weighted 0.1 + caption cross-entropy with ignore_index 0 weighted 1.0), item() of the
total (the Java trainer reads it every step), backward, torch.optim.AdamW with OpenCLIP's two
parameter groups and its default (per-parameter, for-loop) implementation, then the
logit_scale clamp to [0, ln 100]. float32, no autocast, no dropout.

Protocol (one command per line on stdin, one answer line on stdout):
  at start   -> "ready <torch version> threads=<n> params=<count> groups=<n0>,<n1>"
  step N     -> N triples "<loss> <wall ns> <process cpu ns>", one per step
  rss        -> "<VmHWM kB> <VmRSS kB>" of this process
  reset-peak -> "<VmHWM kB>" so far, then resets VmHWM to the current RSS (/proc/self/clear_refs)
  quit       -> exits
Usage: reference.py --batch FILE --config FILE --threads N [--lr 5e-4 --beta1 0.9 --beta2 0.98 --eps 1e-6 --wd 0.2]
"""

import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lcl-models", "src", "test", "python"))
import lcl_reference  # noqa: E402


def open_clip_param_groups(model, wd):
    """OpenCLIP's main.py: ndim < 2 or a name containing bn/ln/bias/logit_scale -> no weight decay."""
    def exclude(n, p):
        return p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n

    named = list(model.named_parameters())
    gain_or_bias = [p for n, p in named if exclude(n, p) and p.requires_grad]
    rest = [p for n, p in named if not exclude(n, p) and p.requires_grad]
    return [{"params": gain_or_bias, "weight_decay": 0.0}, {"params": rest, "weight_decay": wd}]


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", required=True, help="the Torch.save file of TrainStep.java: config, images, ids, state_dict")
    ap.add_argument("--config", required=True, help="the model config JSON")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--beta2", type=float, default=0.98)
    ap.add_argument("--eps", type=float, default=1e-6)
    ap.add_argument("--wd", type=float, default=0.2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    batch = torch.load(args.batch)
    images, ids = batch["images"], batch["ids"]
    model = lcl_reference.LCL(lcl_reference.load_config(args.config))
    for m in model.modules():
        if isinstance(m, nn.Sequential) and isinstance(getattr(m, "gelu", None), lcl_reference.GELU):
            m.gelu = nn.GELU()
    model.load_state_dict(batch["state_dict"], strict=True)
    del batch
    model.train()
    groups = open_clip_param_groups(model, args.wd)
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps)
    max_logit_scale = math.log(100)

    def step():
        optimizer.zero_grad(set_to_none=True)
        out = model(images, ids)
        _, _, total = lcl_reference.lcl_loss(out, 0.1, 1.0)
        loss = total.item()
        total.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, max_logit_scale)
        return loss

    params = sum(p.numel() for p in model.parameters())
    print(f"ready {torch.__version__} threads={torch.get_num_threads()} params={params} "
          f"groups={len(groups[0]['params'])},{len(groups[1]['params'])}", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "step":
            fields = []
            for _ in range(int(cmd[1])):
                c0 = time.process_time_ns()
                t0 = time.perf_counter_ns()
                loss = step()
                t1 = time.perf_counter_ns()
                fields += [repr(loss), str(t1 - t0), str(time.process_time_ns() - c0)]
            print(" ".join(fields), flush=True)
        elif cmd[0] == "rss":
            print(f"{status_kb('VmHWM:')} {status_kb('VmRSS:')}", flush=True)
        elif cmd[0] == "reset-peak":
            print(status_kb("VmHWM:"), flush=True)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        elif cmd[0] == "quit":
            return
        else:
            raise SystemExit(f"reference.py: unknown command {line.strip()!r}")


if __name__ == "__main__":
    main()
