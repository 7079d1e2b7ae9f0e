#!/usr/bin/python3
"""Writes lcl-models/src/test/resources/fixtures/loss_io.pt, the reference values of the losses of
org.lcl.models.loss (LclLoss, ClipLoss, the padded local-loss form), computed independently of
the Java code from lcl-spec.md "Loss" and OpenCLIP's ClipLoss.

Run with the system interpreter (Debian's python3-torch), from anywhere:

    /usr/bin/python3 lcl-models/src/test/python/make_loss_fixtures.py

Method: torch.manual_seed(0); inputs are drawn, rounded to float32 and saved as float32; the
reference then evaluates in float64 from those values (cross-entropy written out as
logsumexp − target logit, not F.cross_entropy), and autograd gives the gradients. The Java tests
run in float32. Deterministic: running the script again rewrites an identical file.

Keys (flat dict, torch.save; float64 unless noted; inputs float32, labels int64):
  lcl.*        one process, M = 4 pairs, T = 7 generation positions of which 2 are labelled 0
               (ignored): image, text [4,8]; logit_scale_param [] (s = exp of it); logits [7,11];
               labels [7]; for weights (0.1, 1.0) under prefix lcl.default.* and (0.5, 2.0) under
               lcl.weighted.*: contrastive_loss (weighted, as logged), caption_loss (weighted),
               total, grad.image, grad.text, grad.logit_scale_param, grad.logits (all of total)
  lcl0.*       as lcl.* with M = 0 (image, text [0,8]), default weights only
  ranks.*      three simulated processes with 3, 0 and 2 pairs (D = 8): ranks.image.K,
               ranks.text.K [count_K,8] per rank K, ranks.logit_scale_param; per view R:
               ranks.R.loss (L_con of rank R, unweighted), ranks.R.grad.image.K /
               ranks.R.grad.text.K [count_K,8] (d loss / d rank K's features as seen by rank R:
               for K = R through rows and the local columns, for K ≠ R through the gathered
               columns), ranks.R.grad.logit_scale_param, and ranks.R.nograd.grad.image /
               .grad.text (d loss / d rank R's features with the gathered columns detached)
  clip.*       OpenCLIP ClipLoss, one process: image, text [5,8], logit_scale_param, loss,
               grad.image, grad.text, grad.logit_scale_param
  clipranks.*  two processes with 3 pairs each: image.K, text.K; per view R, local loss with
               gather-with-grad: R.local.loss, R.local.grad.image.K, R.local.grad.text.K;
               global logits (no local loss, without gather-with-grad): R.global.loss,
               R.global.grad.image, R.global.grad.text (of rank R's own features)
"""

import math
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "loss_io.pt")
D = 8
PAD_ID = 0
fixtures = {}


def f32(t):
    return t.to(torch.float32).contiguous()


def leaf(t):
    return t.detach().to(torch.float64).requires_grad_(True)


def features(n):
    x = torch.randn(n, D)
    return f32(x / x.norm(dim=-1, keepdim=True))


def mean_ce(logits, labels, ignore=None):
    """Token-mean cross-entropy, written out: mean over kept rows of logsumexp(row) − row[label]."""
    rows = [i for i in range(logits.shape[0]) if ignore is None or int(labels[i]) != ignore]
    if not rows:
        return logits.sum() * 0.0
    terms = [torch.logsumexp(logits[i], 0) - logits[i, int(labels[i])] for i in rows]
    return torch.stack(terms).sum() / len(rows)


def pair_ce(per_image, per_text, labels):
    return (mean_ce(per_image, labels) + mean_ce(per_text, labels)) / 2


def put_grads(prefix, named):
    for name, t in named.items():
        fixtures[prefix + "grad." + name] = t.grad.detach().clone()


# ---- LCL, one process ----------------------------------------------------------------------------

def lcl_case(prefix, image, text, p, logits, labels, weights):
    i, t, lp, lg = leaf(image), leaf(text), leaf(p), leaf(logits)
    s = lp.exp()
    m = i.shape[0]
    con = pair_ce(s * (i @ t.t()), s * (t @ i.t()), torch.arange(m)) if m > 0 else (s * (i @ t.t())).sum() * 0.0
    gen = mean_ce(lg, labels, ignore=PAD_ID)
    wc, wg = weights
    total = wc * con + wg * gen
    total.backward()
    fixtures[prefix + "contrastive_loss"] = (wc * con).detach()
    fixtures[prefix + "caption_loss"] = (wg * gen).detach()
    fixtures[prefix + "total"] = total.detach()
    put_grads(prefix, {"image": i, "text": t, "logit_scale_param": lp, "logits": lg})


def lcl_inputs(prefix, m):
    image, text = features(m), features(m)
    p = f32(torch.tensor(math.log(1 / 0.07)))
    logits = f32(torch.randn(7, 11) * 3)
    labels = torch.randint(1, 11, (7,))
    labels[2] = PAD_ID
    labels[5] = PAD_ID
    for k, v in {"image": image, "text": text, "logit_scale_param": p, "logits": logits, "labels": labels}.items():
        fixtures[prefix + k] = v
    return image, text, p, logits, labels


args = lcl_inputs("lcl.", 4)
lcl_case("lcl.default.", *args, (0.1, 1.0))
lcl_case("lcl.weighted.", *args, (0.5, 2.0))
args = lcl_inputs("lcl0.", 0)
lcl_case("lcl0.", *args, (0.1, 1.0))

# ---- LCL local loss, three simulated processes ---------------------------------------------------

counts = [3, 0, 2]
rank_image = [features(c) for c in counts]
rank_text = [features(c) for c in counts]
p = f32(torch.tensor(2.9))
fixtures["ranks.logit_scale_param"] = p
for k in range(len(counts)):
    fixtures[f"ranks.image.{k}"] = rank_image[k]
    fixtures[f"ranks.text.{k}"] = rank_text[k]


def lcl_rank_view(r, image, text, s, detach_columns):
    """Rank r's L_con: columns = every rank's features padded with zero rows to the largest count,
    rank r's block first and then the others in rank order; padded columns −inf; rows = rank r's
    own unpadded features; target of row j is column j."""
    width = max(counts)
    order = [r] + [k for k in range(len(counts)) if k != r]
    col_i, col_t, padded = [], [], []
    for k in order:
        fill = torch.zeros(width - counts[k], D, dtype=torch.float64)
        col_i.append(torch.cat([image[k], fill]))
        col_t.append(torch.cat([text[k], fill]))
        padded += [False] * counts[k] + [True] * (width - counts[k])
    col_i, col_t = torch.cat(col_i), torch.cat(col_t)
    if detach_columns:
        col_i, col_t = col_i.detach(), col_t.detach()
    mask = torch.tensor(padded)
    per_image = (s * (image[r] @ col_t.t())).masked_fill(mask, -math.inf)
    per_text = (s * (text[r] @ col_i.t())).masked_fill(mask, -math.inf)
    if counts[r] == 0:
        return (per_image.sum() + per_text.sum()) * 0.0
    return pair_ce(per_image, per_text, torch.arange(counts[r]))


for r in range(len(counts)):
    image = [leaf(x) for x in rank_image]
    text = [leaf(x) for x in rank_text]
    lp = leaf(p)
    loss = lcl_rank_view(r, image, text, lp.exp(), False)
    loss.backward()
    fixtures[f"ranks.{r}.loss"] = loss.detach()
    fixtures[f"ranks.{r}.grad.logit_scale_param"] = lp.grad.detach().clone()
    for k in range(len(counts)):
        fixtures[f"ranks.{r}.grad.image.{k}"] = image[k].grad.detach().clone()
        fixtures[f"ranks.{r}.grad.text.{k}"] = text[k].grad.detach().clone()
    image = [leaf(x) for x in rank_image]
    text = [leaf(x) for x in rank_text]
    lcl_rank_view(r, image, text, leaf(p).exp(), True).backward()
    fixtures[f"ranks.{r}.nograd.grad.image"] = image[r].grad.detach().clone()
    fixtures[f"ranks.{r}.nograd.grad.text"] = text[r].grad.detach().clone()

# ---- OpenCLIP ClipLoss ---------------------------------------------------------------------------

image, text = features(5), features(5)
p = f32(torch.tensor(3.1))
fixtures.update({"clip.image": image, "clip.text": text, "clip.logit_scale_param": p})
i, t, lp = leaf(image), leaf(text), leaf(p)
loss = pair_ce(lp.exp() * (i @ t.t()), lp.exp() * (t @ i.t()), torch.arange(5))
loss.backward()
fixtures["clip.loss"] = loss.detach()
put_grads("clip.", {"image": i, "text": t, "logit_scale_param": lp})

n, world = 3, 2
clip_image = [features(n) for _ in range(world)]
clip_text = [features(n) for _ in range(world)]
p = f32(torch.tensor(2.5))
fixtures["clipranks.logit_scale_param"] = p
for k in range(world):
    fixtures[f"clipranks.image.{k}"] = clip_image[k]
    fixtures[f"clipranks.text.{k}"] = clip_text[k]
for r in range(world):
    # local loss: rows = rank r's features, columns = every rank's in rank order, targets n·r + j
    image = [leaf(x) for x in clip_image]
    text = [leaf(x) for x in clip_text]
    s = leaf(p).exp()
    all_i, all_t = torch.cat(image), torch.cat(text)
    loss = pair_ce(s * (image[r] @ all_t.t()), s * (text[r] @ all_i.t()), torch.arange(n) + n * r)
    loss.backward()
    fixtures[f"clipranks.{r}.local.loss"] = loss.detach()
    for k in range(world):
        fixtures[f"clipranks.{r}.local.grad.image.{k}"] = image[k].grad.detach().clone()
        fixtures[f"clipranks.{r}.local.grad.text.{k}"] = text[k].grad.detach().clone()
    # global logits without gather-with-grad: only rank r's own block carries gradient
    image = [leaf(x) if k == r else x.to(torch.float64) for k, x in enumerate(clip_image)]
    text = [leaf(x) if k == r else x.to(torch.float64) for k, x in enumerate(clip_text)]
    s = leaf(p).exp()
    per_image = s * (torch.cat(image) @ torch.cat(text).t())
    loss = pair_ce(per_image, per_image.t(), torch.arange(n * world))
    loss.backward()
    fixtures[f"clipranks.{r}.global.loss"] = loss.detach()
    fixtures[f"clipranks.{r}.global.grad.image"] = image[r].grad.detach().clone()
    fixtures[f"clipranks.{r}.global.grad.text"] = text[r].grad.detach().clone()

torch.save(fixtures, OUT)
print(f"wrote {len(fixtures)} tensors to {os.path.normpath(OUT)}")
