# Sourced by ./hindsight and the benchmark scripts: sets HS_JAVA_HOME to a JDK 21 or newer, or explains what
# is missing and exits. Looks at $JAVA_HOME, the java on $PATH, then the usual install folders.
hs_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1 | cut -d. -f1
}

hs_find_java() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] || continue
    major=$(hs_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      HS_JAVA_HOME="$c"
      return 0
    fi
  done
  echo "Hindsight needs Java 21 or newer, and none was found." >&2
  echo "Looked at \$JAVA_HOME, the java on \$PATH and /usr/lib/jvm/*." >&2
  echo "Install a JDK 21+ (for example Eclipse Temurin 21 or 25) and set JAVA_HOME to it, then run this again." >&2
  exit 1
}
