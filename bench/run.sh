#!/usr/bin/env bash
# One command per benchmark: bench/run.sh hot|many|closing|queries [options]
# (options: python -m bench.run --help). See bench/README.md.
#
# The code measured is a commit (BENCH_REV, default HEAD) exported to
# /tmp/auction-bench/src-<rev>, so edits in progress in the working tree do not
# leak into the figures; bench/ itself is copied from the working tree.
# BENCH_REV=worktree measures the working tree as it is.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
REV=${BENCH_REV:-HEAD}
if [ -n "${BENCH_SRC:-}" ]; then
    # A prepared tree (e.g. HEAD with a proposed patch applied).
    SRC=$BENCH_SRC
    export BENCH_GIT_REV=${BENCH_GIT_REV:-$SRC}
    export BENCH_STATIC_ROOT=/tmp/auction-bench/static-$(basename "$SRC")
    rm -rf "$SRC/bench" && cp -r "$REPO/bench" "$SRC/bench" && rm -rf "$SRC/bench/out"
elif [ "$REV" = worktree ]; then
    SRC=$REPO
    export BENCH_GIT_REV="$(git -C "$REPO" rev-parse --short HEAD) + working tree"
else
    SHORT=$(git -C "$REPO" rev-parse --short "$REV")
    SRC=/tmp/auction-bench/src-$SHORT
    if [ ! -d "$SRC" ]; then
        mkdir -p "$SRC.tmp"
        git -C "$REPO" archive "$SHORT" | tar -x -C "$SRC.tmp"
        ln -s "$REPO/node_modules" "$SRC.tmp/node_modules"
        # Compiled catalogs are not in git; production compiles them at deploy.
        for po in "$SRC.tmp"/locale/*/LC_MESSAGES/django.po; do
            msgfmt -o "${po%.po}.mo" "$po"
        done
        mv "$SRC.tmp" "$SRC"
    fi
    rm -rf "$SRC/bench" && cp -r "$REPO/bench" "$SRC/bench" && rm -rf "$SRC/bench/out"
    export BENCH_GIT_REV=$SHORT
    export BENCH_STATIC_ROOT=/tmp/auction-bench/static-$SHORT
fi
export BENCH_OUT=$REPO/bench/out
cd "$SRC"
. bench/env.sh
exec "$REPO/.venv/bin/python" -m bench.run "$@"
