#!/usr/bin/env bash
# Make sure the services the test suite talks to are up: PostgreSQL (5432), Redis (6379),
# RabbitMQ (5672). Starts any that is down with this machine's commands; exits 1 naming the
# ones still down, so CI fails instead of skipping service-backed tests.
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start; }
start_redis() {
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}
start_rabbitmq() { rabbitmq-server -detached; }

missing=()
for service in postgres:5432 redis:6379 rabbitmq:5672; do
  name=${service%%:*}
  port=${service##*:}
  if port_open "$port"; then continue; fi
  echo "$name is down on port $port; starting it" >&2
  "start_$name" >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    port_open "$port" && break
    sleep 1
  done
  port_open "$port" || missing+=("$name:$port")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Services not reachable: ${missing[*]}" >&2
  exit 1
fi
