#!/usr/bin/env bash
# Cron wrapper for the nightly job: processes yesterday (UTC) unless --date is given, from the project folder,
# appending the job's log lines to logs/nightly-YYYY-MM.log. Cron mails only the one-line failure notice.
# Usage: jobs/nightly.sh [--date YYYY-MM-DD]
# Environment: NEWSCLUST_CONFIG (default configs/nightly.yaml), NEWSCLUST_LOG_DIR (default logs)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
log_dir="${NEWSCLUST_LOG_DIR:-logs}"
mkdir -p "$log_dir"
config="${NEWSCLUST_CONFIG:-configs/nightly.yaml}"
log="$log_dir/nightly-$(date -u +%Y-%m).log"
.venv/bin/newsclust nightly --config "$config" "$@" >>"$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "newsclust nightly failed (exit $rc: 1 failure, 2 config, 3 locked, 4 no input, 5 state refused, 6 too many rejects, 143 SIGTERM); see $log" >&2
fi
exit "$rc"
