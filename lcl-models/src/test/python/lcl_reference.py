"""An independent PyTorch reference of the models of lcl-models: OpenCLIP's CLIP (ViT image tower,
causal text tower) and LCL (the ViT without its projection, attentive pooling projection, the text
tower as a causal decoder over interleaved sequences, an LM head), plus both losses.

Written from ../../../../../shared/design/lcl-spec.md and openclip-interface.md (and checked against
the semantics of OpenCLIP's transformer.py / model.py and LCL's lcl_model.py, attentive.py,
loss.py), without importing open_clip. Module and parameter names are OpenCLIP's, so
``state_dict()`` keys and their order are the reference checkpoints' and load into the Java models
unchanged. Every op is written out (attention as explicit matmuls and softmax, the causal mask as
an additive -inf matrix, the interleaving as the reference's masked scatter) so that nothing is
shared with the Java side beyond libtorch's elementary kernels.

Runs on Debian's python3-torch 1.13 (no scaled_dot_product_attention there). Used by
make_model_fixtures.py; nothing imports it at test time.
"""

import json
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID = 0
CLIP_SPECIAL_IDS = {
    "<start_of_text>": 49406,
    "<end_of_text>": 49407,
    "<img_placehold>": 49408,
    "<start_of_img>": 49409,
    "<end_of_img>": 49410,
}


def at_least_fp32(x):
    """The spec's "in fp32": half-precision inputs go to float32, float32/float64 stay as they are."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


# ---- configs (OpenCLIP's JSON keys and defaults, only those these models use) -------------------


class VisionCfg:
    def __init__(self, d):
        self.layers = d.get("layers", 12)
        self.width = d.get("width", 768)
        self.head_width = d.get("head_width", 64)
        self.mlp_ratio = d.get("mlp_ratio", 4.0)
        self.patch_size = d.get("patch_size", 16)
        image_size = d.get("image_size", 224)
        self.image_size = image_size[0] if isinstance(image_size, (list, tuple)) else image_size
        self.ls_init_value = d.get("ls_init_value")
        assert d.get("patch_dropout", 0.0) == 0.0, "the reference runs without patch dropout"
        self.no_ln_pre = d.get("no_ln_pre", False)
        assert d.get("pos_embed_type", "learnable") == "learnable"
        self.final_ln_after_pool = d.get("final_ln_after_pool", False)
        self.pool_type = d.get("pool_type", "tok")


class TextCfg:
    def __init__(self, d):
        self.context_length = d.get("context_length", 77)
        self.vocab_size = d.get("vocab_size", 49408)
        self.width = d.get("width", 512)
        self.heads = d.get("heads", 8)
        self.layers = d.get("layers", 12)
        self.mlp_ratio = d.get("mlp_ratio", 4.0)
        self.ls_init_value = d.get("ls_init_value")
        self.no_causal_mask = d.get("no_causal_mask", False)
        self.pool_type = d.get("pool_type", "argmax")
        self.proj_bias = d.get("proj_bias", False)
        self.final_ln_after_pool = d.get("final_ln_after_pool", False)


def load_config(path):
    with open(path) as f:
        return json.load(f)


# ---- building blocks ---------------------------------------------------------------------------


class LayerNorm(nn.LayerNorm):
    """OpenCLIP's LayerNorm: torch's (eps 1e-5), computed in the input's dtype (fp32/fp64 here)."""


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class GELU(nn.Module):
    """Exact (erf) GELU, written out."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class LayerScale(nn.Module):
    def __init__(self, dim, init_value):
        super().__init__()
        self.gamma = nn.Parameter(init_value * torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class SelfAttention(nn.Module):
    """nn.MultiheadAttention's parameters (in_proj_weight [3W, W] = q; k; v, in_proj_bias, out_proj)
    with the math written out: per head softmax((q·d^-1/2)·kᵀ + mask)·v, heads concatenated, out_proj."""

    def __init__(self, width, heads):
        super().__init__()
        assert width % heads == 0
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x, causal):
        b, l, w = x.shape
        h = self.heads
        d = w // h
        qkv = torch.matmul(x, self.in_proj_weight.t()) + self.in_proj_bias
        q, k, v = qkv[..., :w], qkv[..., w:2 * w], qkv[..., 2 * w:]
        q = q.reshape(b, l, h, d).permute(0, 2, 1, 3) * (d ** -0.5)
        k = k.reshape(b, l, h, d).permute(0, 2, 1, 3)
        v = v.reshape(b, l, h, d).permute(0, 2, 1, 3)
        scores = torch.matmul(q, k.transpose(-1, -2))
        if causal:
            # OpenCLIP's build_causal_mask: -inf above the diagonal, built for this length.
            mask = torch.full((l, l), float("-inf"), dtype=x.dtype).triu(1)
            scores = scores + mask
        attn = torch.softmax(scores, dim=-1)
        o = torch.matmul(attn, v).permute(0, 2, 1, 3).reshape(b, l, w)
        return self.out_proj(o)


class ResidualAttentionBlock(nn.Module):
    """Pre-LN: x + ls_1(attn(ln_1(x))); x + ls_2(mlp(ln_2(x))); mlp = c_fc → GELU → c_proj."""

    def __init__(self, width, heads, mlp_ratio, ls_init_value, quick_gelu):
        super().__init__()
        self.ln_1 = LayerNorm(width)
        self.attn = SelfAttention(width, heads)
        self.ls_1 = LayerScale(width, ls_init_value) if ls_init_value is not None else None
        self.ln_2 = LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, hidden)),
            ("gelu", QuickGELU() if quick_gelu else GELU()),
            ("c_proj", nn.Linear(hidden, width)),
        ]))
        self.ls_2 = LayerScale(width, ls_init_value) if ls_init_value is not None else None

    def forward(self, x, causal=False):
        a = self.attn(self.ln_1(x), causal)
        x = x + (self.ls_1(a) if self.ls_1 is not None else a)
        m = self.mlp(self.ln_2(x))
        return x + (self.ls_2(m) if self.ls_2 is not None else m)


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, mlp_ratio, ls_init_value, quick_gelu):
        super().__init__()
        self.resblocks = nn.ModuleList([
            ResidualAttentionBlock(width, heads, mlp_ratio, ls_init_value, quick_gelu) for _ in range(layers)])

    def forward(self, x, causal=False):
        for r in self.resblocks:
            x = r(x, causal)
        return x


# ---- towers ------------------------------------------------------------------------------------


class VisionTransformer(nn.Module):
    """OpenCLIP's VisionTransformer. with_proj=False is LCL's tower: visual.proj absent and
    forward_tokens (ln_post on every token, class token dropped) is its output."""

    def __init__(self, cfg: VisionCfg, embed_dim, quick_gelu, with_proj=True):
        super().__init__()
        w = cfg.width
        self.cfg = cfg
        self.grid = cfg.image_size // cfg.patch_size
        self.conv1 = nn.Conv2d(3, w, kernel_size=cfg.patch_size, stride=cfg.patch_size, bias=False)
        scale = w ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(w))
        self.positional_embedding = nn.Parameter(scale * torch.randn(self.grid * self.grid + 1, w))
        self.ln_pre = None if cfg.no_ln_pre else LayerNorm(w)
        self.transformer = Transformer(w, cfg.layers, w // cfg.head_width, cfg.mlp_ratio, cfg.ls_init_value, quick_gelu)
        self.ln_post = LayerNorm(w)
        self.proj = nn.Parameter(scale * torch.randn(w, embed_dim)) if with_proj else None

    def patch_embed(self, images):
        x = self.conv1(images)                      # [B, W, g, g]
        x = x.reshape(x.shape[0], x.shape[1], -1)   # [B, W, g²]
        return x.permute(0, 2, 1)                   # [B, g², W]

    def embed(self, images):
        """conv1, class token, positional embedding, ln_pre: the input of resblocks.0."""
        x = self.patch_embed(images)
        cls = self.class_embedding.to(x.dtype).reshape(1, 1, -1).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1)
        x = x + self.positional_embedding.to(x.dtype)
        return self.ln_pre(x) if self.ln_pre is not None else x

    def forward_tokens(self, images):
        """LCL's _encode_image before pooling: ln_post on all tokens, class token dropped → [B, N, W]."""
        x = self.transformer(self.embed(images))
        x = self.ln_post(x)
        return x[:, 1:]

    def forward(self, images):
        """CLIP's image features (unnormalised) [B, embed_dim]."""
        x = self.transformer(self.embed(images))
        if self.cfg.final_ln_after_pool:
            pooled = self.ln_post(self._pool(x))
        else:
            pooled = self._pool(self.ln_post(x))
        return pooled @ self.proj

    def _pool(self, x):
        if self.cfg.pool_type == "tok":
            return x[:, 0]
        if self.cfg.pool_type == "avg":
            return x[:, 1:].mean(dim=1)
        return x


class TextTransformer(nn.Module):
    """OpenCLIP's TextTransformer: token_embedding, positional_embedding (sliced to L), causal
    blocks, ln_final, text_projection (x @ P)."""

    def __init__(self, cfg: TextCfg, embed_dim, quick_gelu):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.token_embedding = nn.Embedding(cfg.vocab_size, w)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(cfg.context_length, w))
        self.transformer = Transformer(w, cfg.layers, cfg.heads, cfg.mlp_ratio, cfg.ls_init_value, quick_gelu)
        self.ln_final = LayerNorm(w)
        if cfg.proj_bias:
            self.text_projection = nn.Linear(w, embed_dim)
        else:
            self.text_projection = nn.Parameter(w ** -0.5 * torch.randn(w, embed_dim))

    def add_positions(self, x):
        l = x.shape[1]
        assert l <= self.cfg.context_length
        return x + self.positional_embedding[:l].to(x.dtype)

    def forward_embeddings(self, x):
        """Decoder outputs [B, L, W] of embeddings [B, L, W]."""
        return self.transformer(self.add_positions(x), causal=not self.cfg.no_causal_mask)

    def project(self, x):
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection

    def features(self, x):
        """ln_final then text_projection."""
        return self.project(self.ln_final(x))

    def encode(self, ids):
        """CLIP's encode_text (unnormalised) [B, embed_dim]: pooled at the argmax id (eot)."""
        x = self.forward_embeddings(self.token_embedding(ids))
        if self.cfg.final_ln_after_pool:
            return self.project(self.ln_final(self._pool(x, ids)))
        return self.project(self._pool(self.ln_final(x), ids))

    def _pool(self, x, ids):
        if self.cfg.pool_type == "argmax":
            return x[torch.arange(x.shape[0]), ids.argmax(dim=-1)]
        if self.cfg.pool_type == "first":
            return x[:, 0]
        if self.cfg.pool_type == "last":
            return x[:, -1]
        return x


# ---- LCL's attentive pooling projection --------------------------------------------------------


class CrossAttention(nn.Module):
    def __init__(self, dim, out_dim, heads):
        super().__init__()
        assert out_dim % heads == 0
        self.heads = heads
        self.q_bias = nn.Parameter(torch.zeros(out_dim))
        self.k_bias = nn.Parameter(torch.zeros(out_dim))
        self.v_bias = nn.Parameter(torch.zeros(out_dim))
        self.q = nn.Linear(dim, out_dim, bias=False)
        self.k = nn.Linear(dim, out_dim, bias=False)
        self.v = nn.Linear(dim, out_dim, bias=False)
        self.proj = nn.Linear(out_dim, out_dim, bias=False)

    def forward(self, xq, xk, xv):
        b, nq, _ = xq.shape
        nk = xk.shape[1]
        h = self.heads
        q = (xq @ self.q.weight.t() + self.q_bias).reshape(b, nq, h, -1).permute(0, 2, 1, 3)
        k = (xk @ self.k.weight.t() + self.k_bias).reshape(b, nk, h, -1).permute(0, 2, 1, 3)
        v = (xv @ self.v.weight.t() + self.v_bias).reshape(b, nk, h, -1).permute(0, 2, 1, 3)
        d = q.shape[-1]
        attn = torch.softmax(torch.matmul(q * d ** -0.5, k.transpose(-1, -2)), dim=-1)
        o = torch.matmul(attn, v).permute(0, 2, 1, 3).reshape(b, nq, -1)
        return o @ self.proj.weight.t()


class AttentiveBlock(nn.Module):
    def __init__(self, dim, out_dim, heads):
        super().__init__()
        self.norm1_q = LayerNorm(dim)
        self.norm1_k = LayerNorm(dim)
        self.norm1_v = LayerNorm(dim)
        self.cross_attn = CrossAttention(dim, out_dim, heads)


class AttentivePoolingProjection(nn.Module):
    """pooled = proj(attn(norm1_q(query), norm1_k(x), norm1_v(x))) [B, D];
    projected = proj(v(norm1_v(x)) + v_bias) [B, N, D]."""

    def __init__(self, input_dim, output_dim, heads):
        super().__init__()
        self.query_token = nn.Parameter(torch.randn(1, 1, input_dim))
        self.pooler = AttentiveBlock(input_dim, output_dim, heads)

    def forward(self, x):
        p = self.pooler
        q = p.norm1_q(self.query_token.to(x.dtype).expand(x.shape[0], -1, -1))
        pooled = p.cross_attn(q, p.norm1_k(x), p.norm1_v(x)).squeeze(1)
        ca = p.cross_attn
        projected = (p.norm1_v(x) @ ca.v.weight.t() + ca.v_bias) @ ca.proj.weight.t()
        return pooled, projected


# ---- the models --------------------------------------------------------------------------------


class CLIP(nn.Module):
    """OpenCLIP's CLIP (custom_text false: the text modules at the top level) or CustomTextCLIP
    (custom_text: the text tower under text.)."""

    def __init__(self, cfg):
        super().__init__()
        assert "pool_project_cfg" not in cfg
        vcfg, tcfg = VisionCfg(cfg["vision_cfg"]), TextCfg(cfg["text_cfg"])
        quick_gelu = cfg.get("quick_gelu", False)
        self.custom_text = cfg.get("custom_text", False)
        self.visual = VisionTransformer(vcfg, cfg["embed_dim"], quick_gelu, with_proj=True)
        text = TextTransformer(tcfg, cfg["embed_dim"], quick_gelu)
        if self.custom_text:
            self.text = text
        else:
            # CLIP's registration: transformer, token_embedding, positional_embedding, ln_final,
            # text_projection (state dict: its own parameters first, then the children).
            self.transformer = text.transformer
            self.token_embedding = text.token_embedding
            self.positional_embedding = text.positional_embedding
            self.ln_final = text.ln_final
            self.text_projection = text.text_projection
            object.__setattr__(self, "_text", text)  # the same modules, not registered twice
        self.logit_scale = nn.Parameter(torch.ones([]) * cfg.get("init_logit_scale", math.log(1 / 0.07)))
        assert cfg.get("init_logit_bias") is None

    def text_tower(self):
        return self.text if self.custom_text else self._text

    def encode_image(self, images, normalize=False):
        f = self.visual(images)
        return F.normalize(at_least_fp32(f), dim=-1) if normalize else f

    def encode_text(self, ids, normalize=False):
        f = self.text_tower().encode(ids)
        return F.normalize(at_least_fp32(f), dim=-1) if normalize else f

    def forward(self, images, ids):
        return {
            "image_features": self.encode_image(images, True),
            "text_features": self.encode_text(ids, True),
            "logit_scale": self.logit_scale.exp(),
        }


class LCL(nn.Module):
    """LCL (lcl-spec.md "Model" and "Forward on a batch")."""

    def __init__(self, cfg):
        super().__init__()
        vcfg, tcfg = VisionCfg(cfg["vision_cfg"]), TextCfg(cfg["text_cfg"])
        pcfg = cfg["pool_project_cfg"]
        quick_gelu = cfg.get("quick_gelu", False)
        self.visual = VisionTransformer(vcfg, cfg["embed_dim"], quick_gelu, with_proj=False)
        self.text = TextTransformer(tcfg, cfg["embed_dim"], quick_gelu)
        assert pcfg.get("pool_proj_type", "attn") == "attn"
        self.pool_project = AttentivePoolingProjection(pcfg["input_dim"], pcfg["output_dim"], pcfg["attn_num_heads"])
        self.lm_head = nn.Sequential(LayerNorm(tcfg.width), nn.Linear(tcfg.width, tcfg.vocab_size, bias=False))
        ids = cfg.get("special_token_ids", CLIP_SPECIAL_IDS)
        self.sot_id = ids["<start_of_text>"]
        self.eot_id = ids["<end_of_text>"]
        self.img_id = ids["<img_placehold>"]
        self.soi_id = ids["<start_of_img>"]
        self.eoi_id = ids["<end_of_img>"]
        self.num_image_tokens = (vcfg.image_size // vcfg.patch_size) ** 2
        self.logit_scale = nn.Parameter(torch.ones([]) * cfg.get("init_logit_scale", math.log(1 / 0.07)))
        assert cfg.get("init_logit_bias") is None

    def encode_image_tokens(self, images):
        """(pooled [B, D], projected [B, N, D])."""
        return self.pool_project(self.visual.forward_tokens(images))

    def encode_image(self, images, normalize=True):
        pooled, _ = self.encode_image_tokens(images)
        return F.normalize(at_least_fp32(pooled), dim=-1) if normalize else pooled

    def encode_text(self, ids, normalize=True):
        """Zero-shot text features: eot replaced by soi (on a copy), features at every soi."""
        ids = ids.clone()
        ids[ids == self.eot_id] = self.soi_id
        x = self.text.forward_embeddings(self.text.token_embedding(ids))
        f = self.text.features(x[ids == self.soi_id])
        return F.normalize(at_least_fp32(f), dim=-1) if normalize else f

    def interleaved_embeddings(self, projected, ids):
        """Token embeddings of the ids that are not <img_placehold>, the placeholders filled in
        row-major (batch, position) order with projected.flatten(0, 1) (the reference's scatter)."""
        img_mask = ids == self.img_id
        assert int(img_mask.sum()) == projected.shape[0] * projected.shape[1], "placeholder count"
        text_embs = self.text.token_embedding(ids[~img_mask])
        x = text_embs.new_zeros((*ids.shape, text_embs.shape[-1]))
        x[~img_mask] = text_embs
        x[img_mask] = projected.flatten(0, 1).to(x.dtype)
        return x

    def forward(self, images, ids, trace=None):
        """The LCL forward; trace (a dict or None) receives the intermediate values."""
        b, l = ids.shape
        assert int((ids == self.soi_id).sum()) == images.shape[0], "one <soi> per image"
        tokens = self.visual.forward_tokens(images)
        pooled, projected = self.pool_project(tokens)
        embs = self.interleaved_embeddings(projected, ids)
        out = self.text.forward_embeddings(embs)
        pos = torch.arange(l).unsqueeze(0).expand(b, l)
        soi = ids == self.soi_id
        bi, si = torch.nonzero(soi & (pos > 0), as_tuple=True)
        text_features = F.normalize(at_least_fp32(self.text.features(out[bi, si])), dim=-1)
        keep = pos[soi] > 0
        image_features = F.normalize(at_least_fp32(pooled[keep]), dim=-1)
        nxt = ids[:, 1:]
        gen = (nxt != self.img_id) & (nxt != self.eoi_id) & (nxt != PAD_ID)
        logits = self.lm_head(out[:, :-1][gen])
        labels = nxt[gen]
        if trace is not None:
            trace.update(tokens=tokens, pooled=pooled, projected=projected, embeddings=embs, outputs=out)
        return {
            "image_features": image_features,
            "text_features": text_features,
            "logits": logits,
            "labels": labels,
            "logit_scale": self.logit_scale.exp(),
        }


# ---- losses ------------------------------------------------------------------------------------


def contrastive_loss(image_features, text_features, logit_scale):
    """½(CE(s·I·Tᵀ, arange) + CE(s·T·Iᵀ, arange)), in (at least) fp32; s = exp(logit_scale)
    as the models return it. Single process: I and T are the local features."""
    i = at_least_fp32(image_features)
    t = at_least_fp32(text_features)
    s = at_least_fp32(logit_scale)
    labels = torch.arange(i.shape[0])
    return (F.cross_entropy(s * (i @ t.t()), labels) + F.cross_entropy(s * (t @ i.t()), labels)) / 2


def lcl_loss(out, contrastive_weight=0.1, generation_weight=1.0):
    """(contrastive, generation, total): total = w_con·L_con + w_gen·L_gen; L_gen is the token-mean
    cross-entropy over the selected positions with ignore_index 0 (pad)."""
    con = contrastive_loss(out["image_features"], out["text_features"], out["logit_scale"])
    gen = F.cross_entropy(out["logits"], out["labels"], ignore_index=PAD_ID)
    return con, gen, contrastive_weight * con + generation_weight * gen


def clip_loss(out):
    return contrastive_loss(out["image_features"], out["text_features"], out["logit_scale"])


def create(cfg):
    return LCL(cfg) if "pool_project_cfg" in cfg else CLIP(cfg)
