#!/usr/bin/env bash
# Makes the base images the benchmarks and the conformance run build on, with no internet
# registry, as OCI image layouts under CACHE/images/<name> (ref = tag):
#   busybox (tag latest)         Debian's busybox-static, applet symlinks, /etc/passwd and group
#   debian  (tag bookworm-slim)  debootstrap --variant=minbase bookworm, slimmed like the
#                                official -slim images (no docs, man pages, locales, apt lists)
# Layers are packed reproducibly (sorted names, fixed mtime, numeric owners, pigz -n), so the
# digests stay the same between runs on the same day. An existing layout is kept.
# Usage: bench/lab/base-images.sh CACHE [busybox] [debian]
set -euo pipefail
CACHE=$1; shift
IMAGES="$CACHE/images" ROOTFS="$CACHE/rootfs"
SDE="${SOURCE_DATE_EPOCH:-1747699200}"
CREATED="$(date -u -d "@$SDE" +%Y-%m-%dT%H:%M:%SZ)"
PATHENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
mkdir -p "$IMAGES" "$ROOTFS"

# remove a rootfs, first unmounting what debootstrap may have left mounted below it
safe_rm() {
  [ -e "$1" ] || return 0
  findmnt -rn -o TARGET | awk -v p="$1/" 'index($0,p)==1' | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$1"
}

# pack LAYOUT REF ROOTFS CMD_JSON CREATED_BY: one-layer OCI layout
pack() {
  local out=$1 ref=$2 rootfs=$3 cmd=$4 by=$5 tmp="$1.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/blobs/sha256"
  tar -C "$rootfs" --sort=name --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SDE" --numeric-owner -cf "$tmp/layer.tar" .
  local diffid ldig lsize
  diffid=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  pigz -n -6 < "$tmp/layer.tar" > "$tmp/layer.tar.gz"; rm "$tmp/layer.tar"
  ldig=$(sha256sum "$tmp/layer.tar.gz" | cut -d' ' -f1); lsize=$(stat -c %s "$tmp/layer.tar.gz")
  mv "$tmp/layer.tar.gz" "$tmp/blobs/sha256/$ldig"
  jq -cjn --arg c "$CREATED" --arg d "sha256:$diffid" --arg by "$by" --arg p "$PATHENV" \
    --argjson cmd "$cmd" '{created: $c, architecture: "amd64", os: "linux",
      config: {Env: [$p], Cmd: $cmd}, rootfs: {type: "layers", diff_ids: [$d]},
      history: [{created: $c, created_by: $by}]}' > "$tmp/config"
  local cdig csize mdig msize
  cdig=$(sha256sum "$tmp/config" | cut -d' ' -f1); csize=$(stat -c %s "$tmp/config")
  mv "$tmp/config" "$tmp/blobs/sha256/$cdig"
  jq -cjn --arg cd "sha256:$cdig" --argjson cs "$csize" --arg ld "sha256:$ldig" \
    --argjson ls "$lsize" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld,
                size: $ls}]}' > "$tmp/manifest"
  mdig=$(sha256sum "$tmp/manifest" | cut -d' ' -f1); msize=$(stat -c %s "$tmp/manifest")
  mv "$tmp/manifest" "$tmp/blobs/sha256/$mdig"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$tmp/oci-layout"
  jq -cn --arg md "sha256:$mdig" --argjson ms "$msize" --arg ref "$ref" '{schemaVersion: 2,
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
        size: $ms, platform: {architecture: "amd64", os: "linux"},
        annotations: {"org.opencontainers.image.ref.name": $ref}}]}' > "$tmp/index.json"
  rm -rf "$out"; mv "$tmp" "$out"
  echo "packed $out:$ref sha256:$mdig" >&2
}

busybox() {
  local rf="$ROOTFS/busybox" bb
  bb=$(dpkg -L busybox-static | grep -m1 '/bin/busybox$')
  safe_rm "$rf"; mkdir -p "$rf"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var,dev,proc,sys}
  chmod 755 "$rf"; chmod 1777 "$rf/tmp"; chmod 700 "$rf/root"
  cp "$bb" "$rf/bin/busybox"; chmod 755 "$rf/bin/busybox"
  "$rf/bin/busybox" --list-full | while read -r p; do
    case "$p" in bin/busybox|linuxrc) continue ;; esac
    mkdir -p "$rf/$(dirname "$p")"; ln -sf /bin/busybox "$rf/$p"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    > "$rf/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rf/etc/group"
  pack "$IMAGES/busybox" latest "$rf" '["sh"]' "bench: busybox-static $(dpkg-query -W \
    -f='${Version}' busybox-static)"
}

# the bookworm mirror apt uses on this host
mirror() {
  local m="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    m=$(awk 'BEGIN{RS=""} /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t\n]|$)/ {
      if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0,RSTART,RLENGTH);
        sub(/URIs:[ \t]*/,"",s); print s; exit } }' "$f")
    [ -n "$m" ] && break
  done
  [ -n "$m" ] || m=$(cat /etc/apt/sources.list 2>/dev/null |
    awk '$1=="deb" && $3=="bookworm" {print $2; exit}')
  [ -n "$m" ] || { echo "no bookworm mirror in the apt sources" >&2; return 1; }
  echo "$m"
}

slim() {
  local rf=$1 m=$2
  mkdir -p "$rf/etc/dpkg/dpkg.cfg.d" "$rf/etc/apt/apt.conf.d" "$rf/etc/apt/sources.list.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    'path-include /usr/share/locale/locale.alias' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/groff/*' > "$rf/etc/dpkg/dpkg.cfg.d/docker"
  find "$rf/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete || true
  find "$rf/usr/share/doc" -mindepth 1 -type d -empty -delete || true
  rm -rf "$rf/usr/share/info/"* "$rf/usr/share/man/"* "$rf/usr/share/groff/"*
  find "$rf/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
    -exec rm -rf {} + || true
  printf 'Acquire::Languages "none";\n' > "$rf/etc/apt/apt.conf.d/docker-no-languages"
  rm -rf "$rf/var/lib/apt/lists/"* "$rf/var/cache/apt/"*.bin "$rf/var/cache/apt/archives/"*.deb
  rm -f "$rf/var/cache/ldconfig/aux-cache" "$rf/etc/resolv.conf" "$rf/etc/hostname"
  find "$rf/var/log" -type f -delete
  : > "$rf/etc/machine-id"
  rm -f "$rf/etc/apt/sources.list"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n%s\n' \
    "$m" 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    > "$rf/etc/apt/sources.list.d/debian.sources"
  rm -rf "$rf/tmp/"* "$rf/var/tmp/"*
}

debian() {
  local rf="$ROOTFS/debian" m
  m=$(mirror)
  safe_rm "$rf"; mkdir -p "$CACHE/debootstrap-debs"
  debootstrap --variant=minbase --cache-dir="$CACHE/debootstrap-debs" bookworm "$rf" "$m" \
    > "$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  slim "$rf" "$m"
  pack "$IMAGES/debian" bookworm-slim "$rf" '["bash"]' "bench: debootstrap minbase bookworm, slim"
  safe_rm "$rf"
}

targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(busybox debian)
for t in "${targets[@]}"; do
  if [ -s "$IMAGES/$t/index.json" ]; then echo "$t layout exists" >&2; continue; fi
  case "$t" in busybox) busybox ;; debian) debian ;; *) echo "unknown image $t" >&2; exit 2 ;; esac
done
