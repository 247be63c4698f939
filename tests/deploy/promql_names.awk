# Prints the metric names a PromQL expression (one per input line) selects, one per line. Not a parser, but enough
# for the expressions deploy/ writes: strings, label matchers {...}, ranges [...], grouping clauses
# (by/without/on/ignoring/group_left/group_right (...)), function and aggregation calls, keywords, numbers and
# Grafana variables are removed; what remains are metric names. label_values(SELECTOR, LABEL) yields SELECTOR's.
# POSIX awk (runs under mawk).
BEGIN {
  split("and or unless bool offset by without on ignoring group_left group_right inf nan atan2", k, " ")
  for (i in k) keyword[k[i]] = 1
}
{
  e = $0
  if (e ~ /^[ \t]*label_values[ \t]*\(/) { sub(/^[ \t]*label_values[ \t]*\(/, "", e); sub(/,[^,]*\)[ \t]*$/, "", e) }
  gsub(/"([^"\\]|\\.)*"/, "", e); gsub(/'([^'\\]|\\.)*'/, "", e); gsub(/`[^`]*`/, "", e)
  gsub(/\{[^}]*\}/, "", e); gsub(/\[[^]]*\]/, "", e)
  gsub(/(by|without|on|ignoring|group_left|group_right)[ \t]*\([^)]*\)/, " ", e)
  gsub(/\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\}/, " ", e)
  gsub(/[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/, "(", e)
  while (match(e, /[A-Za-z_:0-9.][A-Za-z0-9_:.]*/)) {
    token = substr(e, RSTART, RLENGTH); e = substr(e, RSTART + RLENGTH)
    if (token ~ /^[0-9.]/) continue
    if (tolower(token) in keyword) continue
    print token
  }
}
