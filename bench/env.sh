# Sourced by bench/run.sh: the production-shaped environment for every bench
# process (gunicorn, Celery workers, the setup and check scripts).
BENCH_PORT=${BENCH_PORT:-8765}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/auction_bench}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}
export DJANGO_SETTINGS_MODULE=bench.settings_bench
export DEBUG=0
export SECRET_KEY=${BENCH_SECRET_KEY:-bench-only-secret-key-not-for-production-0123456789}
export BASE_URL=http://127.0.0.1:$BENCH_PORT
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=0
export SECURE_HSTS_SECONDS=0
export GUNICORN_BIND=127.0.0.1:$BENCH_PORT
export CELERY_TASK_DEFAULT_QUEUE=bench
export CACHE_KEY_PREFIX=bench
export BENCH_BID_RATE_LIMIT=${BENCH_BID_RATE_LIMIT:-1000000}
export BENCH_STATIC_ROOT=${BENCH_STATIC_ROOT:-/tmp/auction-bench/static}
export PYTHONDONTWRITEBYTECODE=1
