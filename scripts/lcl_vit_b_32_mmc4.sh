#!/usr/bin/env bash
# LCL ViT-B/32 on MMC4 (the reference's lcl_vit_b_32_mmc4.sh): interleaved documents of up to
# 2048 tokens with 49 visual tokens per image, each process reading its own shards
# (--data-global-distributed), lr 3e-4, gradient checkpointing, --precision amp.
#
# Environment: as lcl_vit_b_32_laion.sh, with TRAIN_DATA an MMC4 root (data/ and images/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/train-recipe.sh"
lcl_train_recipe \
    --dataset-type mmc4 --data-global-distributed \
    --model LCL_ViT-B-32_mmc4 --interleaved-context-length 2048 --num-img-token 49 \
    --lr 3e-4 --grad-checkpointing \
    -- "$@"
