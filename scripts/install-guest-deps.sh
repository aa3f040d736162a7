#!/usr/bin/env bash
# install-guest-deps.sh — install what topoc's guest-boot tests need, when it is missing.
#
# The guest tests boot a real Debian cloud kernel under QEMU (TCG) and read back the
# topology it sees. They need:
#   qemu-system-x86 >= 10.0   (bookworm's 7.2 lacks acpi-generic-initiator): from backports
#   qemu-system-arm >= 10.0   (qemu-system-aarch64 for the aarch64 `virt` machine; same reason)
#   busybox-static            (the statically linked /bin/busybox the initramfs is made of)
#   cpio, ovmf, acpica-tools  (archives, UEFI firmware, iasl for decoding tables)
#   qemu-efi-aarch64          (an edk2 image for -bios, so qemu-system-aarch64 builds its ACPI
#                              tables when the QEMU oracle starts aarch64 virt lines under -S)
#   apt lists that know linux-image-cloud-amd64, and the arm64 architecture's lists
#                             (dpkg --add-architecture arm64: the aarch64 test kit downloads
#                             linux-image-cloud-arm64 and busybox-static:arm64; nothing arm64
#                             is installed)
#   edk2 2020.11 for aarch64  (Debian bullseye's qemu-efi-aarch64 2020.11-2+deb11u2, unpacked to
#                             /usr/local/share/topoc/edk2-aarch64-2020.11/: bookworm's 2022.11
#                             breaks guest NUMA; fetched through a private apt configuration
#                             whose source is the system's own first stanza with Suites: bullseye)
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
BASE_PKGS=(busybox-static cpio ovmf acpica-tools qemu-efi-aarch64)

say() { echo "install-guest-deps: $*"; }
die() { echo "install-guest-deps: error: $*" >&2; exit 1; }

qemu_major() {
    # "QEMU emulator version 10.0.2 (Debian ...)" -> 10; empty when absent or unparsable.
    local bin=${1:-qemu-system-x86_64}
    command -v "$bin" >/dev/null 2>&1 || return 0
    "$bin" --version 2>/dev/null \
        | sed -n 's/^QEMU emulator version \([0-9][0-9]*\)\..*/\1/p' | head -n 1
}

qemu_ok() {
    local major
    major=$(qemu_major "${1:-qemu-system-x86_64}")
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
[ -r /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || [[ " ${missing[*]-} " == *" qemu-efi-aarch64 "* ]] || missing+=(qemu-efi-aarch64)

# Each QEMU binary the tests start, with the package that brings it.
QEMU_BINS=(qemu-system-x86_64 qemu-system-aarch64)
QEMU_PKGS=(qemu-system-x86 qemu-system-arm)
need_qemu=0
qemu_missing=()
for i in "${!QEMU_BINS[@]}"; do
    qemu_ok "${QEMU_BINS[$i]}" || qemu_missing+=("${QEMU_PKGS[$i]}")
done
[ "${#qemu_missing[@]}" -eq 0 ] || need_qemu=1
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

# The aarch64 guest kit: arm64 package lists, and bullseye's edk2 firmware.
ARM_KERNEL_META=linux-image-cloud-arm64:arm64
EDK2_DIR=/usr/local/share/topoc/edk2-aarch64-2020.11
EDK2_VERSION=2020.11-2+deb11u2
EDK2_SHA256=3b941fef407663f35026e7b40e0bca9c2efc83ad95c7c087634fc32b10fc6e99
arm_known() {
    apt-cache depends "$ARM_KERNEL_META" 2>/dev/null | grep -q 'Depends: linux-image-'
}
need_arm=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arm=1
arm_known || need_lists=1
need_edk2=0
[ -r "$EDK2_DIR/QEMU_EFI.fd" ] || need_edk2=1

# cloud-hypervisor for tests/ch_*.rs, and the tool chain of their PVH probe: found, or built
# from ../shared/tools/cloud-hypervisor (see that script for the order it looks in).
"$(dirname "$0")/install-cloud-hypervisor.sh" >/dev/null

if [ "${#missing[@]}" -eq 0 ] && [ "$need_qemu" -eq 0 ] && [ "$need_libvirt" -eq 0 ] \
    && [ "$need_lists" -eq 0 ] && [ "$need_arm" -eq 0 ] && [ "$need_edk2" -eq 0 ]; then
    say "nothing to do: $(qemu-system-x86_64 --version | head -n 1) (x86_64 and aarch64); libvirt $(virsh --version); ${BASE_PKGS[*]} installed; $KERNEL_META resolvable"
    exit 0
fi
[ "$need_lists" -eq 0 ] || say "apt lists do not know $KERNEL_META or $ARM_KERNEL_META"

if [ "$need_qemu" -eq 1 ]; then
    say "need ${qemu_missing[*]} >= ${QEMU_MIN_MAJOR}.0 (have: x86_64 $(qemu_major qemu-system-x86_64 || true), aarch64 $(qemu_major qemu-system-aarch64 || true))"
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

if [ "$need_arm" -eq 1 ]; then
    say "adding the arm64 architecture (package lists only; nothing arm64 is installed)"
    dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64 failed"
fi

say "apt-get update"
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null || die "apt-get update failed"

kernel_known || die "apt-cache still cannot resolve $KERNEL_META after apt-get update"
arm_known || die "apt-cache still cannot resolve $ARM_KERNEL_META after apt-get update"

if [ "$need_edk2" -eq 1 ]; then
    say "fetching qemu-efi-aarch64 $EDK2_VERSION (bullseye) into $EDK2_DIR"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    [ -r "$SOURCES" ] || die "$SOURCES not found: cannot derive the bullseye source from it"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/dl"
    awk '
        /^[[:space:]]*$/ { if (seen) exit; next }
        /^[[:space:]]*#/ { next }
        { seen = 1
          if ($0 ~ /^Suites:/) { print "Suites: bullseye"; next }
          print }' "$SOURCES" > "$work/parts/bullseye.sources"
    grep -q '^URIs:' "$work/parts/bullseye.sources" || die "no URIs: line in the first stanza of $SOURCES"
    apto=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/parts"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
          -o "APT::Architectures::=amd64" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    apt-get "${apto[@]}" update -q >/dev/null || die "apt-get update of the private bullseye configuration failed"
    (cd "$work/dl" && apt-get "${apto[@]}" download -q "qemu-efi-aarch64=$EDK2_VERSION" >/dev/null) \
        || die "apt-get download qemu-efi-aarch64=$EDK2_VERSION failed"
    deb=$(ls "$work"/dl/qemu-efi-aarch64_*_all.deb)
    echo "$EDK2_SHA256  $deb" | sha256sum -c --quiet - || die "$deb does not have the expected sha256"
    dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb -x $deb failed"
    mkdir -p "$EDK2_DIR"
    cp "$work/root/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" "$EDK2_DIR/QEMU_EFI.fd.tmp"
    mv "$EDK2_DIR/QEMU_EFI.fd.tmp" "$EDK2_DIR/QEMU_EFI.fd"
    say "installed $EDK2_DIR/QEMU_EFI.fd"
fi

if [ "$need_qemu" -eq 1 ]; then
    say "installing ${qemu_missing[*]} from ${suite}"
    apt-get -o DPkg::Lock::Timeout=900 install -y -q -t "$suite" --no-install-recommends "${qemu_missing[@]}" \
        || die "apt-get install -t $suite ${qemu_missing[*]} failed"
    for bin in "${QEMU_BINS[@]}"; do
        qemu_ok "$bin" || die "$bin is still older than ${QEMU_MIN_MAJOR}.0 after installing from ${suite}: $("$bin" --version 2>&1 | head -n 1)"
        say "installed $("$bin" --version | head -n 1) ($bin)"
    done
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
