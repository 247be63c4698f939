#!/usr/bin/env bash
# Checks the compose stack of a deploy/ folder (the real one or a broken copy) without running it: every image
# is pinned, every host a config names (Grafana datasources, Prometheus targets, promtail's Loki) is a compose
# service, every datasource a dashboard panel uses is provisioned, bind-mounted files exist and named volumes are
# declared, Prometheus scrapes facefuse on the port compose serves it on and sends its alerts to the Alertmanager
# service on the port that listens on, whose --config.file is a mounted file of deploy/ that amtool (if installed)
# accepts. Prints one line per problem and exits 1 if there is any. Usage: compose_check.sh SOURCE_DIR DEPLOY_DIR
SOURCE_DIR=$1; deploy=$2
source "$SOURCE_DIR/tests/deploy/common.sh"
problems=0
problem() { echo "$*"; problems=$((problems + 1)); }

compose=$(flatten "$deploy/docker-compose.yml")
services=$(awk -F'\t' '$2 ~ /^services\.[^.]+\./ {split($2, p, "."); print p[2]}' <<<"$compose" | sort -u)
[ -n "$services" ] || { problem "docker-compose.yml: no services"; exit 1; }
is_service() { grep -qxF -- "$1" <<<"$services"; }
for s in $services; do
  image=$(value "$compose" "services.$s.image")
  if [ -z "$image" ]; then problem "service $s: no image"
  elif [[ "${image##*/}" != *:* ]] || [[ "${image##*:}" == latest ]]; then problem "service $s: image $image is not pinned"
  fi
done
for s in loki promtail grafana prometheus alertmanager; do is_service $s || problem "no $s service"; done

host_of() { sed -E 's|^[a-z]+://||; s|[:/].*||' <<<"$1"; }
uids=""
for f in "$deploy"/grafana/provisioning/datasources/*.yml; do
  datasources=$(flatten "$f")
  while IFS= read -r url; do
    is_service "$(host_of "$url")" || problem "$(basename "$f"): datasource url $url is not a compose service"
  done < <(awk -F'\t' '$2 ~ /^datasources\[[0-9]+\]\.url$/ {print $3}' <<<"$datasources")
  uids+=$(awk -F'\t' '$2 ~ /^datasources\[[0-9]+\]\.uid$/ {print $3}' <<<"$datasources")$'\n'
done
dashboard_uids=$(jq -r '[.panels[] | .datasource.uid?, (.targets[]? | .datasource.uid?)] | map(select(. != null)) | unique[]' \
                   "$deploy"/grafana/dashboards/*.json)
variable_uid=$(jq -r '.templating.list[] | select(.type == "datasource" and .name == "datasource") | .current.value' \
                 "$deploy"/grafana/dashboards/*.json)
for uid in $dashboard_uids; do
  [ "$uid" = '${datasource}' ] && uid=$variable_uid
  grep -qxF -- "$uid" <<<"$uids" || problem "dashboard datasource uid $uid is not provisioned"
done

prometheus=$(flatten "$deploy/prometheus/prometheus.yml")
while IFS= read -r target; do
  host=${target%:*}
  [ "$host" = localhost ] || is_service "$host" || problem "prometheus.yml: target $target is not a compose service"
done < <(awk -F'\t' '$2 ~ /\.static_configs\[[0-9]+\]\.targets$/ {print $3}' <<<"$prometheus" | tr -d '[]" ' | tr ',' '\n')
facefuse_port=$(awk -F'\t' 'index($2, "services.facefuse.command") == 1 {print $3}' <<<"$compose" | tr -d '[]",' |
                tr '=' ' ' | awk '{for (i = 1; i < NF; i++) if ($i == "--port") print $(i + 1)}')
grep -q "facefuse:$facefuse_port\"" "$deploy/prometheus/prometheus.yml" ||
  problem "prometheus.yml does not scrape facefuse:$facefuse_port, the port compose serves facefuse on"

# Prometheus sends its alerts to the Alertmanager service, which reads a config file of deploy/ mounted into it;
# amtool (when installed) accepts that config.
command_arg() {  # SERVICE OPTION: VALUE of the service's command item OPTION=VALUE
  awk -F'\t' -v p="services.$1.command[" -v o="$2=" 'index($2, p) == 1 && index($3, o) == 1 {
    print substr($3, length(o) + 1)}' <<<"$compose"
}
am_targets=$(awk -F'\t' '$2 ~ /^alerting\.alertmanagers\[[0-9]+\]\.static_configs\[[0-9]+\]\.targets$/ {print $3}' \
               <<<"$prometheus" | tr -d '[]" ' | tr ',' '\n')
[ -n "$am_targets" ] || problem "prometheus.yml sends its alerts to no Alertmanager (alerting.alertmanagers)"
for target in $am_targets; do
  host=${target%:*}; listen=$(command_arg "$host" --web.listen-address); listen=${listen:-:9093}
  if [[ "$(value "$compose" "services.$host.image")" != */alertmanager:* ]]; then
    problem "prometheus.yml sends alerts to $target, which is not an Alertmanager service"
  elif [ "${target##*:}" != "${listen##*:}" ]; then
    problem "prometheus.yml sends alerts to $target; $host listens on $listen"
  fi
done
am_config=$(command_arg alertmanager --config.file)
am_mount=$(awk -F'\t' -v t=":$am_config:" '$2 ~ /^services\.alertmanager\.volumes\[/ && index($3 ":", t) {print $3}' \
             <<<"$compose")
am_file=${am_mount%%:*}
if [ -z "$am_config" ] || [[ "$am_file" != ./* ]]; then
  problem "alertmanager's --config.file ${am_config:-(none)} is not a file of deploy/ mounted into it"
elif [ -f "$deploy/$am_file" ] && command -v amtool >/dev/null &&
     ! out=$(amtool check-config "$deploy/$am_file" 2>&1); then
  problem "$am_file: amtool check-config fails: $(grep -iE 'fail|err' <<<"$out" | head -2)"
fi

# serve refuses a non-loopback --bind without authentication: the keys file must be a secret the service gets.
facefuse_args=$(awk -F'\t' 'index($2, "services.facefuse.command") == 1 {print $3}' <<<"$compose" | tr -d '[]",' | tr '=' ' ')
keys_file=$(awk '{for (i = 1; i < NF; i++) if ($i == "--api-keys-file" || $i == "--jwt-secret-file") print $(i + 1)}' \
              <<<"$facefuse_args" | head -1)
secret=${keys_file#/run/secrets/}
if [ -z "$keys_file" ]; then problem "facefuse serves beyond loopback without --api-keys-file or --jwt-secret-file"
elif [ "$secret" = "$keys_file" ] || [[ "$(value "$compose" services.facefuse.secrets)" != *"$secret"* ]] ||
     [ -z "$(value "$compose" "secrets.$secret.file")" ]; then
  problem "facefuse's $keys_file is not a compose secret given to the service"
fi

promtail=$(flatten "$deploy/promtail/promtail.yml")
while IFS= read -r url; do
  is_service "$(host_of "$url")" || problem "promtail.yml: client $url is not a compose service"
done < <(awk -F'\t' '$2 ~ /^clients\[[0-9]+\]\.url$/ {print $3}' <<<"$promtail")
flatten "$deploy/loki/loki.yml" >/dev/null

volumes=$(awk -F'\t' '$2 ~ /^volumes\./ {sub(/^volumes\./, "", $2); print $2}' <<<"$compose")
while IFS= read -r mount; do
  source=${mount%%:*}
  if [[ "$source" == ./* ]]; then [ -e "$deploy/$source" ] || problem "bind mount $source does not exist in deploy/"
  elif [[ "$source" != /* ]]; then grep -qxF -- "$source" <<<"$volumes" || problem "volume $source is not declared"
  fi
done < <(awk -F'\t' '$2 ~ /^services\.[^.]+\.volumes\[[0-9]+\]$/ {print $3}' <<<"$compose")
exit $((problems > 0))
