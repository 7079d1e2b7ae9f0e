#!/usr/bin/env bash
# LCL ViT-B/16 on LAION-400M (the reference's lcl_vit_b_16_laion.sh): interleaved sequences of
# 280 tokens with 196 visual tokens per image, gradient checkpointing; OpenCLIP's optimiser
# defaults and --precision amp.
#
# Environment: as lcl_vit_b_32_laion.sh (TRAIN_DATA required; TRAIN_NUM_SAMPLES, BATCH_SIZE,
# NPROC_PER_NODE, DEVICE, LOGS_DIR, RUN_NAME, CLIP_VOCAB, EXTRA_ARGS, LCL_DRY_RUN).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/train-recipe.sh"
lcl_train_recipe \
    --dataset-type webdataset --use-interleaved-wrapper \
    --model LCL_ViT-B-16_laion --interleaved-context-length 280 --num-img-token 196 \
    --grad-checkpointing \
    -- "$@"
