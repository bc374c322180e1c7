# Sourced by .ci/run: a throwaway PostgreSQL cluster for the shared-server tests.
# Debian's package is installed if missing (a fresh machine has only the Rust toolchain);
# the cluster lives in a temporary directory on a free loopback port, runs as the `postgres`
# user when CI runs as root (the server refuses root), and is stopped when .ci/run exits.
# The tests read its superuser URL from PARCOURS_TEST_PG and make one database per test.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "== apt-get install postgresql"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Debian's package also creates and starts a cluster of its own on 5432: unused here.
  $sudo apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

pg_run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir=$(mktemp -d /tmp/parcours-ci-pg.XXXXXX)
chmod 755 "$pg_dir"
pg_password="ci-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
printf '%s\n' "$pg_password" >"$pg_dir/pw"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$pg_dir"
pg_run "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A scram-sha-256 \
  --pwfile="$pg_dir/pw" -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log"
rm -f "$pg_dir/pw"
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port ($pg_dir)"
pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null

pg_stop() {
  pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap pg_stop EXIT

export PARCOURS_TEST_PG="postgresql://postgres:$pg_password@127.0.0.1:$pg_port/postgres"
# The server tests fail (rather than skip) when no server is found.
export CI="${CI:-true}"
