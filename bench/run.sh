#!/usr/bin/env bash
# One command per benchmark: bench/run.sh hot|many|closing|queries [options]
# (options: python -m bench.run --help). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/env.sh
exec .venv/bin/python -m bench.run "$@"
