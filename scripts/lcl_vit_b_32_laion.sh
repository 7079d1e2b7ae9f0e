#!/usr/bin/env bash
# LCL ViT-B/32 on LAION-400M (the reference's lcl_vit_b_32_laion.sh): image-caption shards
# turned into interleaved sequences of 128 tokens with 49 visual tokens per image; OpenCLIP's
# optimiser defaults (lr 5e-4, betas 0.9/0.98, eps 1e-6, wd 0.2) and --precision amp.
#
# Environment: TRAIN_DATA (required: tar shards, brace patterns, '::'-joined sources),
# TRAIN_NUM_SAMPLES, BATCH_SIZE (per process, default 64), NPROC_PER_NODE (default 1),
# DEVICE (cpu, cuda or cuda:N; default cuda), LOGS_DIR, RUN_NAME, CLIP_VOCAB, EXTRA_ARGS,
# LCL_DRY_RUN=1 (print the command only). Arguments are passed on to `lcl train`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/train-recipe.sh"
lcl_train_recipe \
    --dataset-type webdataset --use-interleaved-wrapper \
    --model LCL_ViT-B-32_laion --interleaved-context-length 128 --num-img-token 49 \
    -- "$@"
