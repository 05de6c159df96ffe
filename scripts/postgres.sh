# Sourced by scripts/test: a throwaway Postgres cluster for the tests that need one.
#
# start_postgres installs Postgres from Debian when it is missing, starts a cluster in a
# temporary directory on a free loopback port, as the unprivileged postgres user when
# run as root, and exports FEEDWIRE_TEST_POSTGRES. stop_postgres stops that cluster by
# the PID it started and removes its directory; it does nothing when none was started
# (a FEEDWIRE_TEST_POSTGRES given from outside is used as it is and left alone).

pg_pid=""
pg_data=""

start_postgres() {
  if [ -n "${FEEDWIRE_TEST_POSTGRES:-}" ]; then
    echo "Postgres: using FEEDWIRE_TEST_POSTGRES as given"
    return
  fi
  local bin
  bin=$(postgres_bin)
  if [ -z "$bin" ]; then
    echo "Postgres: installing it from Debian (or set FEEDWIRE_TEST_POSTGRES)"
    debian_install postgresql Postgres || return 1
    bin=$(postgres_bin)
  fi
  local as=() port
  pg_data=$(mktemp -d -t feedwire-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$pg_data"
    as=(runuser -u postgres --) # Postgres refuses to run as root
  fi
  port=$(free_port)
  "${as[@]}" "$bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  # fsync off: the cluster is thrown away, and the tests kill feedwire, not the machine.
  "${as[@]}" "$bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $pg_data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  pg_pid=$(head -1 "$pg_data/postmaster.pid")
  export FEEDWIRE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "Postgres: $("$bin/postgres" --version), pid $pg_pid, port $port"
}

stop_postgres() {
  if [ -z "$pg_pid" ]; then
    return
  fi
  kill -INT "$pg_pid" 2>/dev/null || true # fast shutdown
  for _ in $(seq 100); do
    kill -0 "$pg_pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -rf "$pg_data"
  pg_pid=""
}

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true
}

# free_port prints a loopback port nothing listens on.
free_port() {
  local port
  for port in $(seq 54329 54529); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port from 54329 to 54529" >&2
  return 1
}
