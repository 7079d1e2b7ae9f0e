# The reference's training recipes (lcl-spec.md "Reference training recipes"), shared by
# scripts/lcl_vit_*.sh: sourced, not run.
# shellcheck shell=bash

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The flags every reference script passes.
LCL_RECIPE_COMMON=(
    --save-frequency 1 --zeroshot-frequency 1 --warmup 2000 --epochs 32 --workers 10 --seed 0
    --local-loss --gather-with-grad --img-first-prob 0.5
    --lcl-generation-loss-weight 1.0 --lcl-contrastive-loss-weight 0.1
)

# Runs `scripts/lcl train` with the common flags, then the recipe's own flags (the arguments
# before "--"), then the flags the environment asks for, then $EXTRA_ARGS, then the arguments
# after "--" (the launcher's command line). With LCL_DRY_RUN=1 the command is printed (shell-
# quoted, one line) instead of run.
lcl_train_recipe() {
    local recipe=() cli=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do
        recipe+=("$1")
        shift
    done
    [[ $# -gt 0 ]] && shift
    cli=("$@")

    [[ -n "${TRAIN_DATA:-}" ]] || lcl_die "TRAIN_DATA is not set: give the training data, e.g." \
        "TRAIN_DATA='/data/laion400m/{00000..41407}.tar' (shards) or TRAIN_DATA=/data/mmc4 (an MMC4 root)"
    local batch_size=${BATCH_SIZE:-64} nproc=${NPROC_PER_NODE:-1} device=${DEVICE:-cuda}
    [[ "$batch_size" =~ ^[1-9][0-9]*$ ]] || lcl_die "BATCH_SIZE must be a positive integer, got '$batch_size'"
    [[ "$nproc" =~ ^[1-9][0-9]*$ ]] || lcl_die "NPROC_PER_NODE must be a positive integer, got '$nproc'"
    [[ "$device" =~ ^(cpu|cuda(:[0-9]+)?)$ ]] || lcl_die "DEVICE must be cpu, cuda or cuda:N, got '$device'"

    local args=(train "${LCL_RECIPE_COMMON[@]}" "${recipe[@]}" --train-data "$TRAIN_DATA" --batch-size "$batch_size"
        --device "$device")
    [[ -n "${TRAIN_NUM_SAMPLES:-}" ]] && args+=(--train-num-samples "$TRAIN_NUM_SAMPLES")
    [[ -n "${LOGS_DIR:-}" ]] && args+=(--logs "$LOGS_DIR")
    [[ -n "${RUN_NAME:-}" ]] && args+=(--name "$RUN_NAME")
    [[ -n "${CLIP_VOCAB:-}" ]] && args+=(--vocab "$CLIP_VOCAB")
    # The reference launches NPROC_PER_NODE processes with torchrun; --nproc-per-node is the
    # flag the distributed work adds to `lcl train`. One process passes nothing, so these
    # scripts run on today's single-process trainer.
    [[ "$nproc" -gt 1 ]] && args+=(--nproc-per-node "$nproc")
    if [[ -n "${EXTRA_ARGS:-}" ]]; then
        local extra=()
        # Split on whitespace without glob expansion (EXTRA_ARGS values cannot hold spaces).
        read -r -a extra <<< "$EXTRA_ARGS"
        args+=("${extra[@]}")
    fi
    args+=("${cli[@]}")

    local lcl="$LCL_ROOT/scripts/lcl"
    if [[ "${LCL_DRY_RUN:-0}" == 1 ]]; then
        printf '%q' "$lcl"
        printf ' %q' "${args[@]}"
        printf '\n'
        return 0
    fi
    exec "$lcl" "${args[@]}"
}
