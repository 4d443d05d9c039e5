#!/usr/bin/env bash
# Builds and runs consumer/, a separate Maven project that depends on dev.jgpt:jgpt-model, against
# the jar this build just packaged (run by `mvn verify` in the model module; -DskipTests skips it).
#   - a private local repository (target/consumer-repo): nothing is installed into ~/.m2
#   - jgpt-model's jar and pom, and the parent pom, are installed there by hand
#   - every other artifact comes from this build's own local repository through a file:// mirror
#     that stands for every remote repository, so nothing is downloaded
# Then it checks that jgpt-model alone brings DJL's API and no logging binding or native library,
# and runs consumer/ (an Embedding with padding_idx and max_norm).
# Usage: run-consumer.sh MODULE_DIR VERSION NATIVE_CLASSIFIER BUILD_LOCAL_REPO MAVEN_HOME
set -euo pipefail
module="$1" version="$2" classifier="$3" source_repo="$4" maven_home="$5"
work="$module/target/consumer"
repo="$module/target/consumer-repo"
fail() { echo "consumer test: $*" >&2; exit 1; }

rm -rf "$work" "$repo/dev/jgpt"
mkdir -p "$work"
cp -r "$module/src/it/consumer/." "$work/"
cat > "$work/settings.xml" <<XML
<settings>
  <localRepository>$repo</localRepository>
  <mirrors>
    <mirror><id>this-build</id><mirrorOf>*</mirrorOf><url>file://$source_repo</url></mirror>
  </mirrors>
</settings>
XML

install() { # groupPath artifactId file extension
  local dir="$repo/$1/$2/$version"
  mkdir -p "$dir"
  cp "$3" "$dir/$2-$version.$4"
}
install dev/jgpt jgpt-parent "$module/../pom.xml" pom
install dev/jgpt jgpt-model "$module/pom.xml" pom
install dev/jgpt jgpt-model "$module/target/jgpt-model-$version.jar" jar

mvn=("$maven_home/bin/mvn" -B -q -o -Daether.offline.protocols=file -s "$work/settings.xml" -f "$work/pom.xml"
     -Djgpt.version="$version" -Dpytorch.native.classifier="$classifier")

# What a project gets from jgpt-model alone (no engine of its own).
"${mvn[@]}" -P '!engine' dependency:list -DoutputFile=library-only.txt -DexcludeTransitive=false > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "resolving jgpt-model alone failed"; }
grep -q "ai.djl:api:jar" "$work/library-only.txt" || fail "jgpt-model does not bring ai.djl:api"
for unwanted in slf4j-simple pytorch-native pytorch-engine pytorch-jni logback log4j; do
  if grep -q "$unwanted" "$work/library-only.txt"; then
    fail "jgpt-model forces $unwanted on its users: $(grep "$unwanted" "$work/library-only.txt")"
  fi
done

# The user's project, with the engine and libtorch it picks: build, then run.
"${mvn[@]}" compile dependency:build-classpath -Dmdep.outputFile=classpath.txt > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "building the consumer project failed"; }
grep -q slf4j-simple "$work/classpath.txt" && fail "slf4j-simple is on the consumer's classpath"
OPT_OUT_TRACKING=true java -Dai.djl.offline=true -cp "$work/target/classes:$(cat "$work/classpath.txt")" \
  example.EmbeddingDemo > "$work/run.log" 2>&1 || { cat "$work/run.log" >&2; fail "the consumer's program failed"; }
grep -q "consumer OK" "$work/run.log" || { cat "$work/run.log" >&2; fail "the consumer's program did not finish"; }
grep -v "^\[W" "$work/run.log" | sed 's/^/consumer: /'
