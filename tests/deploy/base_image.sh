#!/usr/bin/env bash
# Makes the image test's base, tagged debian:bookworm-slim in podman's local storage, with no container registry:
# `debootstrap --variant=minbase bookworm` into a temp dir, packed once into the cache
# (${TODOAI_CACHE:-$HOME/.cache/todoai}/images/debian-bookworm-minbase.tar) and `podman import`ed from there.
# Idempotent: the tag already present, nothing is done; the tarball cached, no debootstrap.
# The Debian mirror is the one this machine's apt uses (read at run time), else debootstrap's default.
set -euo pipefail
tag=debian:bookworm-slim
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
tarball=$cache/images/debian-bookworm-minbase.tar

if podman image exists "$tag"; then
    echo "base_image: $tag present"
    exit 0
fi

apt_mirror() {  # the first http(s) URI of a bookworm 'debian' source in the machine's apt configuration
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e $f ]] || continue
        awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) {print $i; exit}}' "$f"
    done | head -1
    if [[ -e /etc/apt/sources.list ]]; then
        awk '$1 == "deb" && $3 ~ /^bookworm$/ && $2 ~ /^https?:\/\/.*\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list
    fi
}

if [[ ! -s $tarball ]]; then
    command -v debootstrap >/dev/null || { echo "base_image: debootstrap is missing (scripts/install-deps.sh)" >&2; exit 1; }
    mkdir -p "$(dirname "$tarball")"
    root=$(mktemp -d /tmp/todoai-bookworm.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    mirror=$(apt_mirror | head -1)
    echo "base_image: debootstrap --variant=minbase bookworm ${mirror:-(the default mirror of debootstrap)}"
    debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >"$root.log" 2>&1 ||
        { tail -20 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    # What Debian's -slim images leave out, and keep out of later installs (dpkg path-exclude): documentation, man
    # pages, translations; and package lists and caches (apt-get update refills them).
    cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/* "$root"/var/cache/debconf/*-old "$root"/var/log/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
fi
podman import --change 'CMD ["bash"]' "$tarball" "$tag" >/dev/null
echo "base_image: imported $tag from $tarball"
