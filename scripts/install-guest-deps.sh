#!/usr/bin/env bash
# install-guest-deps.sh — install what topoc's guest-boot tests need, when it is missing.
#
# The guest tests boot a real Debian cloud kernel under QEMU (TCG) and read back the
# topology it sees. They need:
#   qemu-system-x86 >= 10.0   (bookworm's 7.2 lacks acpi-generic-initiator): from backports
#   busybox-static            (the statically linked /bin/busybox the initramfs is made of)
#   cpio, ovmf, acpica-tools  (archives, UEFI firmware, iasl for decoding tables)
#   apt lists that know linux-image-cloud-amd64
#   cloud-hypervisor v52-v54, gcc and binutils (scripts/install-cloud-hypervisor.sh)
#   libvirt >= 11.3 from backports (libvirt-clients, libvirt-daemon-driver-qemu,
#   libxml2-utils): virt-xml-validate, `virsh domxml-to-native` on an embedded driver
#   root and virt-qemu-run, for tests/libvirt_oracle.rs. No daemon is installed or
#   started. On bookworm this pulls systemd-container from backports, which upgrades
#   systemd to the backports release.
# The kernel itself is not installed: the test kit (tests/support/guest.rs) resolves it
# through that metapackage, then downloads and unpacks it into its cache on its own.
#
# Backports is enabled without naming any host: the first stanza of the system's own
# /etc/apt/sources.list.d/debian.sources is copied with its Suites replaced by
# <codename>-backports, so it points at whatever mirror the machine already uses.
#
# Idempotent: when everything is present (and QEMU is 10.x or newer) it only says so.
# Must run as root when something is missing. Exit status 0 on success, 1 on failure.
set -euo pipefail

SOURCES=/etc/apt/sources.list.d/debian.sources
BACKPORTS_FILE=/etc/apt/sources.list.d/topoc-backports.sources
QEMU_MIN_MAJOR=10
LIBVIRT_MIN_MAJOR=11
LIBVIRT_PKGS=(libvirt-clients libvirt-daemon-driver-qemu libxml2-utils)
BASE_PKGS=(busybox-static cpio ovmf acpica-tools)

say() { echo "install-guest-deps: $*"; }
die() { echo "install-guest-deps: error: $*" >&2; exit 1; }

qemu_major() {
    # "QEMU emulator version 10.0.2 (Debian ...)" -> 10; empty when absent or unparsable.
    command -v qemu-system-x86_64 >/dev/null 2>&1 || return 0
    qemu-system-x86_64 --version 2>/dev/null \
        | sed -n 's/^QEMU emulator version \([0-9][0-9]*\)\..*/\1/p' | head -n 1
}

qemu_ok() {
    local major
    major=$(qemu_major)
    [ -n "$major" ] && [ "$major" -ge "$QEMU_MIN_MAJOR" ]
}

libvirt_major() {
    # "11.3.0" -> 11; empty when virsh is absent.
    command -v virsh >/dev/null 2>&1 || return 0
    virsh --version 2>/dev/null | sed -n 's/^\([0-9][0-9]*\)\..*/\1/p' | head -n 1
}

libvirt_ok() {
    local major
    major=$(libvirt_major)
    [ -n "$major" ] && [ "$major" -ge "$LIBVIRT_MIN_MAJOR" ] \
        && command -v virt-qemu-run >/dev/null 2>&1 \
        && command -v virt-xml-validate >/dev/null 2>&1
}

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${BASE_PKGS[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done
# The binaries the tests call, in case a package is installed but damaged.
[ -x /bin/busybox ] || [[ " ${missing[*]-} " == *" busybox-static "* ]] || missing+=(busybox-static)
[ -r /usr/share/ovmf/OVMF.fd ] || [[ " ${missing[*]-} " == *" ovmf "* ]] || missing+=(ovmf)

need_qemu=0
qemu_ok || need_qemu=1
need_libvirt=0
libvirt_ok || need_libvirt=1

# The test kit resolves the guest kernel through this metapackage with apt-cache and
# fetches it with apt-get download, so the package lists must know it.
KERNEL_META=linux-image-cloud-amd64
kernel_known() {
    apt-cache depends "$KERNEL_META" 2>/dev/null | grep -q 'Depends: linux-image-'
}
need_lists=0
kernel_known || need_lists=1

# cloud-hypervisor for tests/ch_*.rs, and the tool chain of their PVH probe: found, or built
# from ../shared/tools/cloud-hypervisor (see that script for the order it looks in).
"$(dirname "$0")/install-cloud-hypervisor.sh" >/dev/null

if [ "${#missing[@]}" -eq 0 ] && [ "$need_qemu" -eq 0 ] && [ "$need_libvirt" -eq 0 ] && [ "$need_lists" -eq 0 ]; then
    say "nothing to do: $(qemu-system-x86_64 --version | head -n 1); libvirt $(virsh --version); ${BASE_PKGS[*]} installed; $KERNEL_META resolvable"
    exit 0
fi
[ "$need_lists" -eq 0 ] || say "apt lists do not know $KERNEL_META"

if [ "$need_qemu" -eq 1 ]; then
    cur=$(qemu_major)
    say "need qemu-system-x86 >= ${QEMU_MIN_MAJOR}.0 (have: ${cur:-none})"
fi
[ "$need_libvirt" -eq 0 ] || say "need libvirt >= ${LIBVIRT_MIN_MAJOR}.0 with virt-qemu-run and virt-xml-validate (have: $(libvirt_major || true))"
[ "${#missing[@]}" -eq 0 ] || say "missing packages: ${missing[*]}"

[ "$(id -u)" -eq 0 ] || die "must run as root to install packages or update apt lists (try: sudo $0)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian only"

export DEBIAN_FRONTEND=noninteractive

if [ "$need_qemu" -eq 1 ] || [ "$need_libvirt" -eq 1 ]; then
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"
    suite="${codename}-backports"
    # Is backports already known to apt (from this script or from the administrator)?
    # Only *.sources and *.list files count: apt ignores other names.
    if grep -qsE "^[[:space:]]*Suites:.*[[:space:]]${suite}([[:space:]]|\$)" /etc/apt/sources.list.d/*.sources \
        || grep -qsE "^[[:space:]]*deb[[:space:]].*[[:space:]]${suite}([[:space:]]|\$)" \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
        say "${suite} already enabled"
    else
        [ -r "$SOURCES" ] || die "$SOURCES not found: cannot derive the backports source from it"
        # First deb822 stanza (up to the first blank line), comments dropped, Suites replaced.
        stanza=$(awk '
            /^[[:space:]]*$/ { if (seen) exit; next }
            /^[[:space:]]*#/ { next }
            { seen = 1
              if ($0 ~ /^Suites:/) { print "Suites: " SUITE; next }
              print }' SUITE="$suite" "$SOURCES")
        printf '%s\n' "$stanza" | grep -q '^URIs:' || die "no URIs: line in the first stanza of $SOURCES"
        printf '%s\n' "$stanza" | grep -q '^Suites:' || die "no Suites: line in the first stanza of $SOURCES"
        tmp="${BACKPORTS_FILE}.tmp.$$"
        printf '%s\n' "$stanza" > "$tmp"
        mv "$tmp" "$BACKPORTS_FILE"
        say "enabled ${suite} in $BACKPORTS_FILE (copied from the first stanza of $SOURCES)"
    fi
fi

say "apt-get update"
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null || die "apt-get update failed"

kernel_known || die "apt-cache still cannot resolve $KERNEL_META after apt-get update"

if [ "$need_qemu" -eq 1 ]; then
    say "installing qemu-system-x86 from ${suite}"
    apt-get -o DPkg::Lock::Timeout=900 install -y -q -t "$suite" --no-install-recommends qemu-system-x86 \
        || die "apt-get install -t $suite qemu-system-x86 failed"
    qemu_ok || die "qemu-system-x86_64 is still older than ${QEMU_MIN_MAJOR}.0 after installing from ${suite}: $(qemu-system-x86_64 --version 2>&1 | head -n 1)"
    say "installed $(qemu-system-x86_64 --version | head -n 1)"
fi

if [ "$need_libvirt" -eq 1 ]; then
    say "installing ${LIBVIRT_PKGS[*]} from ${suite}"
    apt-get -o DPkg::Lock::Timeout=900 install -y -q -t "$suite" --no-install-recommends "${LIBVIRT_PKGS[@]}" \
        || die "apt-get install -t $suite ${LIBVIRT_PKGS[*]} failed"
    libvirt_ok || die "libvirt is still older than ${LIBVIRT_MIN_MAJOR}.0 or lacks virt-qemu-run after installing from ${suite}"
    say "installed libvirt $(virsh --version)"
fi

if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
    for p in "${missing[@]}"; do
        pkg_installed "$p" || die "$p is still not installed"
    done
    say "installed ${missing[*]}"
fi

say "done"
