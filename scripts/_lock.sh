# Sourced by lock-deps.sh and _venv.sh: the digest of a requirements file and the files it
# includes (-r), which each lock file records on its last line.
requirements_digest() {
  local src="$1" dir
  dir="$(dirname "$src")"
  {
    cat "$src"
    grep -E '^\s*-r\s+' "$src" | sed -E 's/^\s*-r\s+//' | while read -r inc; do
      cat "$dir/$inc"
    done
  } | sha256sum | cut -d' ' -f1
}

# Exit with a clear message when a lock file is missing or older than its requirements.
check_lock() {
  local src="$1" lock="$2" recorded
  if [ ! -f "$lock" ]; then
    echo "ERROR: $lock is missing: run scripts/lock-deps.sh and commit it" >&2
    return 1
  fi
  recorded="$(sed -n 's/^# requirements-sha256: //p' "$lock" | tail -n 1)"
  if [ "$recorded" != "$(requirements_digest "$src")" ]; then
    echo "ERROR: $(basename "$src") changed but $(basename "$lock") was not regenerated:" \
         "run scripts/lock-deps.sh and commit both" >&2
    return 1
  fi
}
