#!/usr/bin/env bash
# Runs every test file on SQLite, then again on PostgreSQL when
# RAA_TEST_POSTGRES_URL names a server whose user may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find test -name '*.test.ts' | sort)
runner=(node --import tsx --test --test-concurrency=1)

echo "== tests on SQLite"
"${runner[@]}" "${files[@]}"

if [[ -z "${RAA_TEST_POSTGRES_URL:-}" ]]; then
  echo "== PostgreSQL tests skipped: RAA_TEST_POSTGRES_URL is not set"
  echo "   (for example postgres://user:password@127.0.0.1:5432/postgres)"
  exit 0
fi
echo "== tests on PostgreSQL"
RAA_TEST_BACKEND=postgres "${runner[@]}" "${files[@]}"
