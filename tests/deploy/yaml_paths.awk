# Flattens block-style YAML (the subset deploy/ writes: mappings, sequences, quoted and plain scalars, | and >
# block scalars, flow collections kept as text, several documents) into one line per scalar:
#   DOC<TAB>PATH<TAB>VALUE     e.g. 0<TAB>spec.template.spec.containers[0].ports[0].containerPort<TAB>8080
# DOC counts documents from 0 (`---` starts the next). A block scalar's lines are joined with spaces; a key with
# neither a value nor children (null, e.g. `level:` in a promtail labels stage) is printed with an empty value. Anchors,
# aliases, tags and multi-line flow collections are not understood: the line "UNSUPPORTED<TAB>LINE<TAB>text" is
# printed instead, and callers fail on it. POSIX awk (runs under mawk).
function indent_of(s) { match(s, /^ */); return RLENGTH }
function path_of(n,   i, p) {
  p = ""
  for (i = 1; i <= n; i++) p = (p == "" || comp[i] ~ /^\[/) ? p comp[i] : p "." comp[i]
  return p
}
function unquote(v) {
  if (v ~ /^"/) { v = substr(v, 2); sub(/"[ \t]*(#.*)?$/, "", v); return v }
  if (v ~ /^'/) { v = substr(v, 2); sub(/'[ \t]*(#.*)?$/, "", v); return v }
  sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v); return v
}
function emit(p, v) { print doc "\t" p "\t" v }
function flush_block() { if (in_block) { emit(block_path, block_text); in_block = 0 } }
# A key pushed without a value is a null unless the next line is deeper (then it holds children).
function settle_pending(col) {
  if (pending && col <= pending_col) emit(pending_path, "")
  pending = 0
}
# Handles "key: value", "key:", "- ..." or a plain scalar at column col.
function handle(col, text,   key, rest, n, parent) {
  if (text ~ /^-( |$)/) {
    while (depth > 0 && (col < ind[depth] || (col == ind[depth] && is_item[depth]))) depth--
    parent = path_of(depth)
    n = count[doc SUBSEP parent]++
    depth++; ind[depth] = col; comp[depth] = "[" n "]"; is_item[depth] = 1
    rest = substr(text, 2); sub(/^ +/, "", rest)
    if (rest == "") return
    handle(col + length(text) - length(rest), rest)
    return
  }
  while (depth > 0 && col <= ind[depth]) depth--
  if (match(text, /^("[^"]*"|'[^']*'|[^ #"'][^:]*):( |$)/)) {
    key = substr(text, 1, RLENGTH); sub(/:( )?$/, "", key); key = unquote(key)
    rest = substr(text, RLENGTH + 1); sub(/^ +/, "", rest)
    if (rest == "" || rest ~ /^#/) {
      depth++; ind[depth] = col; comp[depth] = key; is_item[depth] = 0
      pending = 1; pending_col = col; pending_path = path_of(depth)
      return
    }
    if (rest ~ /^[|>][-+0-9]*[ \t]*(#.*)?$/) {
      in_block = 1; block_indent = col; block_text = ""; block_path = path_of(depth)
      block_path = (block_path == "") ? key : block_path "." key
      return
    }
    if (rest ~ /^[&*!]/ || ((rest ~ /^\[/ && rest !~ /\][ \t]*(#.*)?$/) || (rest ~ /^\{/ && rest !~ /\}[ \t]*(#.*)?$/))) {
      print "UNSUPPORTED\tLINE\t" $0; return
    }
    parent = path_of(depth)
    emit(parent == "" ? key : parent "." key, unquote(rest))
    return
  }
  emit(path_of(depth), unquote(text))
}
BEGIN { doc = 0; depth = 0; in_block = 0 }
{ sub(/\r$/, "") }
in_block {
  if ($0 ~ /^[ \t]*$/ || indent_of($0) > block_indent) {
    line = $0; sub(/^ +/, "", line)
    if (line != "") block_text = (block_text == "") ? line : block_text " " line
    next
  }
  flush_block()
}
/^---/ { settle_pending(-1); doc++; depth = 0; next }
/^[ \t]*(#|$)/ { next }
/^\.\.\./ { next }
{ col = indent_of($0); settle_pending(col); handle(col, substr($0, col + 1)) }
END { flush_block(); settle_pending(-1) }
