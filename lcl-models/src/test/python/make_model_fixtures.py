#!/usr/bin/python3
"""Writes the model reference fixtures of org.lcl.models.reference (lcl-models/src/test/resources/
fixtures/): forward values of each block and of the whole model, the losses, and the gradients of
the loss w.r.t. every parameter, computed by lcl_reference.py (an independent PyTorch
implementation of OpenCLIP's CLIP and of LCL, written from the spec).

Run with the system interpreter (Debian's python3-torch is the reference), from anywhere:

    /usr/bin/python3 lcl-models/src/test/python/make_model_fixtures.py

Per fixture NAME it writes
    NAME_config.json   the model config (OpenCLIP JSON; read by ModelConfigs.load)
    NAME_weights.pt    the state dict, float32, in the reference's key order (torch.save)
    NAME_io.pt         a flat dict (torch.save) of inputs, block inputs/outputs, model outputs,
                       losses and gradients (keys below)

Fixtures (both small: the committed files total about 1.9 MB):
    lcl_tiny   LCL with the tiny demo config's structure at a smaller size: 32×32 images, patch 8
               (N = 16 visual tokens, as the demo), vision width 48 / 3 heads / 2 layers, text
               width 32 / 2 heads / 2 layers / MLP ratio 3 / context 64, pool 48 → 32 with 4 heads,
               a 64-token vocabulary with the five special ids remapped to 59..63 through
               special_token_ids. Widths differ on purpose so that a transposed weight cannot pass.
    clip_tiny  OpenCLIP CLIP (custom_text false: text tower at the top level), quick_gelu, vision
               layer scale, 24×24 images, patch 8, context 12, vocabulary 64.
The demo configs themselves (vocab 49411: about 80 MB of weights) are not committed; pass
--demo DIR to write fixtures for configs/LCL_ViT-Tiny-16_demo.json and configs/ViT-Tiny-16_demo.json
into DIR, and run the Java tests with -Dlcl.reference.fixtures=DIR to check them too.

Method: torch.manual_seed(0); every parameter randomised (LayerNorm gains around 1, biases, zero-
initialised q/k/v biases and layer scales included, so every path carries signal); the weights are
rounded to float32 and saved; the reference then runs in float64 from those float32 values, so the
expected values are (up to float64 rounding) the exact results for the saved weights and inputs.
Deterministic: running the script again rewrites identical files.

Keys of NAME_io.pt (float64 unless noted):
  LCL:  images (float32) [B_img,3,H,W], ids (int64) [B,L]
        visual.conv1.out [B_img,N,Wv]                   patch embedding (conv1, flattened)
        visual.resblocks.0.in / .out [B_img,N+1,Wv]     block 0 of the ViT (input: after ln_pre)
        visual.out [B_img,N,Wv]                          ln_post, class token dropped
        pool.pooled [B_img,D], pool.projected [B_img,N,D]  attentive pooling of visual.out
        text.embeddings [B,L,Wt]                         interleaved embeddings
        text.resblocks.0.in / .out [B,L,Wt]             causal block 0 (input: embeddings + positions)
        text.out [B,L,Wt]                                decoder outputs
        image_features, text_features [M,D], logit_scale [] (= exp), logits [T,vocab], labels (int64) [T]
        loss.contrastive, loss.generation, loss.total    (total = 0.1·contrastive + 1.0·generation)
        encode_image [B_img,D]                           normalised pooled latents
        zeroshot.ids (int64) [Bz,Lz], zeroshot.text_features [count(eot),D]   encode_text
        grad.<parameter> (float32)                       d loss.total / d parameter, every parameter
  CLIP: images (float32), ids (int64) [B,ctx]
        visual.conv1.out, visual.resblocks.0.in/.out, text.resblocks.0.in/.out,
        encode_image [B,E], encode_text [B,E] (unnormalised), image_features, text_features,
        logit_scale, loss.contrastive, grad.<parameter> (float32)
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lcl_reference as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "lcl-models", "src", "test", "resources", "fixtures")

LCL_TINY = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 48, "head_width": 16, "patch_size": 8},
    "text_cfg": {
        "context_length": 64, "vocab_size": 64, "width": 32, "heads": 2, "layers": 2, "mlp_ratio": 3.0,
        "tokenizer_kwargs": {"additional_special_tokens": ["<img_placehold>", "<start_of_img>", "<end_of_img>"]},
    },
    "pool_project_cfg": {"pool_proj_type": "attn", "input_dim": 48, "output_dim": 32, "attn_num_heads": 4},
    "special_token_ids": {"<start_of_text>": 59, "<end_of_text>": 60, "<img_placehold>": 61,
                          "<start_of_img>": 62, "<end_of_img>": 63},
    "custom_text": True,
}

CLIP_TINY = {
    "embed_dim": 24,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 24, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8, "ls_init_value": 0.1},
    "text_cfg": {"context_length": 12, "vocab_size": 64, "width": 40, "heads": 2, "layers": 2},
}


# ---- parameters --------------------------------------------------------------------------------


def randomise(model):
    """Every parameter random: LayerNorm gains 1 + 0.2·n and biases 0.2·n; layer scales 0.5 + 0.2·n;
    logit_scale ln 10 + 0.1·n; other vectors 0.2·n; matrices n·fan_in^-1/2 (fan_in = numel / rows)."""
    norms = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.LayerNorm)}
    with torch.no_grad():
        for name, p in model.named_parameters():
            n = torch.randn(p.shape)
            if id(p) in norms:
                p.copy_(1.0 + 0.2 * n)
            elif name.endswith(".gamma"):
                p.copy_(0.5 + 0.2 * n)
            elif name == "logit_scale":
                p.copy_(math.log(10.0) + 0.1 * n)
            elif p.dim() < 2:
                p.copy_(0.2 * n)
            else:
                fan_in = p.numel() // p.shape[0]
                p.copy_(n * fan_in ** -0.5)


def float32_state(model):
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in model.state_dict().items()}


def float64_model(cfg, state):
    m = ref.create(cfg).double()
    m.load_state_dict({k: v.double() for k, v in state.items()}, strict=True)
    return m


# ---- batches -----------------------------------------------------------------------------------


def lcl_batch(cfg):
    """Hand-built interleaved ids: a text-first paired sample, an image-first paired sample (<soi> at
    position 0: no contrastive pair) and an MMC4-like document with two images (one if the context
    is too short), zero-padded; plus zero-shot prompts."""
    st = cfg.get("special_token_ids", ref.CLIP_SPECIAL_IDS)
    sot, eot = st["<start_of_text>"], st["<end_of_text>"]
    img, soi, eoi = st["<img_placehold>"], st["<start_of_img>"], st["<end_of_img>"]
    v = cfg["vision_cfg"]
    n = (v["image_size"] // v["patch_size"]) ** 2
    ctx = cfg["text_cfg"]["context_length"]
    words = [5, 17, 33, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 3, 4]
    if sot > 1000:  # the CLIP vocabulary: ordinary BPE ids
        words = [320 + 37 * w for w in words]
    image = [soi] + [img] * n + [eoi]
    seqs = [
        [sot] + words[0:3] + image,                # text first: the pair's text feature at its <soi>
        image + words[3:7] + [eot],                # image first: <soi> at 0, no pair
    ]
    doc2 = [sot] + words[7:9] + image + words[9:12] + image + [words[12], eot]
    if len(doc2) > ctx:                            # the demo's context (32) holds one image only
        doc2 = [sot, words[7]] + image + words[8:10] + [eot]
    seqs.append(doc2)
    length = max(len(s) for s in seqs)
    length = min(ctx, length + 4)
    ids = torch.zeros(len(seqs), length, dtype=torch.int64)
    for i, s in enumerate(seqs):
        assert len(s) <= length
        ids[i, :len(s)] = torch.tensor(s)
    images = sum(s.count(soi) for s in seqs)
    zs = torch.zeros(2, 8, dtype=torch.int64)
    zs[0, :4] = torch.tensor([sot, words[13], words[14], eot])
    zs[1, :3] = torch.tensor([sot, words[0], eot])
    return images, ids, zs


def clip_batch(cfg):
    """Three captions, the last one filling the context (eot at the last position); eot is the
    highest id, as CLIP's argmax pooling expects."""
    ctx = cfg["text_cfg"]["context_length"]
    vocab = cfg["text_cfg"]["vocab_size"]
    sot, eot = (49406, 49407) if vocab > 49407 else (vocab - 2, vocab - 1)
    ids = torch.zeros(3, ctx, dtype=torch.int64)
    rows = [[sot, 5, 6, eot], [sot, 7, 8, 9, 10, 11, eot], [sot] + list(range(12, 12 + ctx - 2)) + [eot]]
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
    return 3, ids


# ---- fixtures ----------------------------------------------------------------------------------


def f64(t):
    return t.detach().to(torch.float64).contiguous().clone()


def lcl_fixture(cfg):
    torch.manual_seed(0)
    model = ref.create(cfg)
    randomise(model)
    state = float32_state(model)
    num_images, ids, zs_ids = lcl_batch(cfg)
    v = cfg["vision_cfg"]
    images = torch.randn(num_images, 3, v["image_size"], v["image_size"])
    m = float64_model(cfg, state)
    x = images.double()
    io = {"images": images, "ids": ids}
    with torch.no_grad():
        vis = m.visual
        io["visual.conv1.out"] = f64(vis.patch_embed(x))
        h = vis.embed(x)
        io["visual.resblocks.0.in"] = f64(h)
        io["visual.resblocks.0.out"] = f64(vis.transformer.resblocks[0](h))
        tokens = vis.forward_tokens(x)
        io["visual.out"] = f64(tokens)
        pooled, projected = m.pool_project(tokens)
        io["pool.pooled"] = f64(pooled)
        io["pool.projected"] = f64(projected)
        embs = m.interleaved_embeddings(projected, ids)
        io["text.embeddings"] = f64(embs)
        h = m.text.add_positions(embs)
        io["text.resblocks.0.in"] = f64(h)
        io["text.resblocks.0.out"] = f64(m.text.transformer.resblocks[0](h, causal=True))
        out = m.text.forward_embeddings(embs)
        io["text.out"] = f64(out)
        io["encode_image"] = f64(m.encode_image(x))
        io["zeroshot.ids"] = zs_ids
        io["zeroshot.text_features"] = f64(m.encode_text(zs_ids))
    trace = {}
    res = m(x, ids, trace)
    con, gen, total = ref.lcl_loss(res)
    total.backward()
    for k in ("image_features", "text_features", "logit_scale", "logits"):
        io[k] = f64(res[k])
    io["labels"] = res["labels"].clone()
    io["loss.contrastive"] = f64(con)
    io["loss.generation"] = f64(gen)
    io["loss.total"] = f64(total)
    for name, p in m.named_parameters():
        io["grad." + name] = (p.grad if p.grad is not None else torch.zeros_like(p)).to(torch.float32).contiguous().clone()
    # Sanity: the per-block values compose to the model's.
    assert torch.equal(trace["outputs"], io["text.out"])
    assert res["labels"].numel() > 0 and res["image_features"].shape[0] > 0
    return state, io


def clip_fixture(cfg):
    torch.manual_seed(0)
    model = ref.create(cfg)
    randomise(model)
    state = float32_state(model)
    num_images, ids = clip_batch(cfg)
    v = cfg["vision_cfg"]
    images = torch.randn(num_images, 3, v["image_size"], v["image_size"])
    m = float64_model(cfg, state)
    x = images.double()
    io = {"images": images, "ids": ids}
    tt = m.text_tower()
    with torch.no_grad():
        io["visual.conv1.out"] = f64(m.visual.patch_embed(x))
        h = m.visual.embed(x)
        io["visual.resblocks.0.in"] = f64(h)
        io["visual.resblocks.0.out"] = f64(m.visual.transformer.resblocks[0](h))
        h = tt.add_positions(tt.token_embedding(ids))
        io["text.resblocks.0.in"] = f64(h)
        io["text.resblocks.0.out"] = f64(tt.transformer.resblocks[0](h, causal=True))
        io["encode_image"] = f64(m.encode_image(x))
        io["encode_text"] = f64(m.encode_text(ids))
    res = m(x, ids)
    loss = ref.clip_loss(res)
    loss.backward()
    for k in ("image_features", "text_features", "logit_scale"):
        io[k] = f64(res[k])
    io["loss.contrastive"] = f64(loss)
    for name, p in m.named_parameters():
        io["grad." + name] = (p.grad if p.grad is not None else torch.zeros_like(p)).to(torch.float32).contiguous().clone()
    return state, io


def write(out_dir, name, cfg, state, io):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + "_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    torch.save(state, os.path.join(out_dir, name + "_weights.pt"))
    torch.save(io, os.path.join(out_dir, name + "_io.pt"))
    size = sum(os.path.getsize(os.path.join(out_dir, name + s)) for s in ("_config.json", "_weights.pt", "_io.pt"))
    print("%s: %d tensors, %d parameters, %d io entries, %.0f kB" % (
        name, len(state), sum(v.numel() for v in state.values()), len(io), size / 1024))


def make(out_dir, name, cfg):
    state, io = (lcl_fixture if "pool_project_cfg" in cfg else clip_fixture)(cfg)
    write(out_dir, name, cfg, state, io)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=FIXTURES, help="output folder (default: the committed fixtures)")
    ap.add_argument("--demo", metavar="DIR", help="also write fixtures for the demo configs into DIR (large, not committed)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    make(args.out, "lcl_tiny", LCL_TINY)
    make(args.out, "clip_tiny", CLIP_TINY)
    if args.demo:
        for name, file in (("lcl_demo", "LCL_ViT-Tiny-16_demo.json"), ("clip_demo", "ViT-Tiny-16_demo.json")):
            make(args.demo, name, ref.load_config(os.path.join(ROOT, "configs", file)))


if __name__ == "__main__":
    main()
