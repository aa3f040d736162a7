#!/bin/sh
# topoc probe: print what this Linux system sees of its memory and NUMA topology.
#
# Output: the topoc dump format, version 1 (book/src/reference/dump-format.md), between
#   =====TOPOC-DUMP-BEGIN v1=====   and   =====TOPOC-DUMP-END=====
# Run it as root in a guest (or on a host) and hand the output to `topoc verify`. It only
# reads; it changes nothing. Anything it cannot see becomes a line starting with `!`
# (`!absent PATH`, `!unreadable PATH`, ...) instead of an error, so a partial dump is still
# a complete, parseable one. POSIX sh; works with busybox.
#
# The topoc test initramfs runs this same file as its /init's payload; TOPOC_INIT_NOTES,
# when set, is what that /init has to say (modules loaded, kmem rebinding).

PATH=$PATH:/bin:/sbin:/usr/bin:/usr/sbin
export PATH
LC_ALL=C
export LC_ALL

have() { command -v "$1" >/dev/null 2>&1; }
sec() { echo "### $1"; }
note() { echo "!$*"; }

uid=
if [ -r /proc/self/status ]; then
    while read -r k a rest; do
        [ "$k" = Uid: ] && uid=$a && break
    done < /proc/self/status
fi
[ -n "$uid" ] || uid=$(id -u 2>/dev/null)
[ -n "$uid" ] || uid=unknown

# Under an emulator every fork costs milliseconds, so single-line files are read with
# the shell's own `read` rather than `cat`: rd FILE sets $v to its first line.
# `read` takes one byte at a time, and some sysfs binary attributes (nodeN/cpulist)
# return nothing to a 1-byte read, so an empty result is retried with `cat`.
rd() {
    v=
    [ -r "$1" ] || return 1
    IFS= read -r v < "$1" 2>/dev/null
    [ -n "$v" ] || v=$(cat "$1" 2>/dev/null)
    return 0
}

# One line: "KEY: first line of FILE" (sysfs attributes are one line), or a note.
kv() {
    if rd "$2"; then
        echo "$1: $v"
    elif [ -e "$2" ]; then
        note "unreadable $2"
    else
        note "absent $2"
    fi
}

# "node0 node2": the nodeN entries of directory $1, into $v.
nodes_in() {
    v=
    for x in "$1"/node[0-9]*; do
        [ -e "$x" ] && v="${v:+$v }${x##*/}"
    done
}

# Blob sections: a "format:" line then the encoded bytes, or a note saying why not.
blob() {
    if [ ! -e "$1" ]; then
        note "absent $1"
    elif [ ! -r "$1" ]; then
        if [ "$uid" = 0 ]; then note "unreadable $1"; else note "unreadable $1 (not root)"; fi
    elif have base64; then
        echo "format: base64"
        base64 < "$1"
    elif have od; then
        echo "format: hex"
        od -An -v -tx1 < "$1"
    else
        note "no-encoder $1 (neither base64 nor od found)"
    fi
}

echo
echo "=====TOPOC-DUMP-BEGIN v1====="

sec probe
echo "format: 1"
echo "uid: $uid"
rd /proc/uptime && echo "uptime: $v"
[ -n "${TOPOC_INIT_NOTES:-}" ] && echo "init: $TOPOC_INIT_NOTES"

sec kernel
if rd /proc/sys/kernel/osrelease; then echo "release: $v"; else echo "release: $(uname -r 2>/dev/null)"; fi
if rd /proc/cmdline; then echo "cmdline: $v"; else note "absent /proc/cmdline"; fi

sec firmware
if [ -d /sys/firmware/efi ]; then echo efi; else echo bios; fi

# Boot-log lines about memory maps, NUMA and ACPI tables, timestamps stripped.
sec dmesg
if have dmesg && dmesg >/dev/null 2>&1; then
    dmesg 2>/dev/null \
        | sed 's/^<[0-9]*>//; s/^\[ *[0-9][0-9]*\.[0-9]*\] //' \
        | grep -E 'BIOS-e820|user: \[mem|e820:|extended:|modified:|SRAT|SLIT|HMAT|acpi/hmat|NUMA|Initmem setup|Soft Reserved|soft reserved|hmem|dax|ACPI OVERRIDE|Table Upgrade|Unknown kernel command line|memoryless|Faking a node|No NUMA'
elif have dmesg; then
    if [ "$uid" = 0 ]; then note "unreadable dmesg"; else note "unreadable dmesg (not root)"; fi
else
    note "absent dmesg"
fi

# QEMU's own E820 for this command line (needs the qemu_fw_cfg module).
sec fw_cfg.e820
blob /sys/firmware/qemu_fw_cfg/by_name/etc/e820/raw

# The firmware's memory map as the kernel received it (before memmap= edits).
sec memmap
if [ -d /sys/firmware/memmap ]; then
    for d in $(ls /sys/firmware/memmap 2>/dev/null | sort -n); do
        p=/sys/firmware/memmap/$d
        rd "$p/start"; s=$v
        rd "$p/end"; e=$v
        rd "$p/type"
        echo "$s-$e $v"
    done
else
    note "absent /sys/firmware/memmap"
fi

sec iomem
if [ -r /proc/iomem ]; then
    [ "$uid" = 0 ] || note "not-root /proc/iomem shows zero addresses to other users"
    cat /proc/iomem
else
    note "absent /proc/iomem"
fi

sec meminfo
if [ -r /proc/meminfo ]; then grep -E '^(MemTotal|MemFree):' /proc/meminfo; else note "absent /proc/meminfo"; fi

sec cpus
for f in possible present online; do kv "$f" "/sys/devices/system/cpu/$f"; done

sec nodes
N=/sys/devices/system/node
if [ -d "$N" ]; then
    for f in possible online has_cpu has_memory has_normal_memory has_generic_initiator; do
        kv "$f" "$N/$f"
    done
    for n in $(ls -d "$N"/node[0-9]* 2>/dev/null | sed 's/.*node//' | sort -n); do
        D=$N/node$n
        echo "## node$n"
        kv cpulist "$D/cpulist"
        # "Node 0 MemTotal:       1030492 kB"
        t=
        if [ -r "$D/meminfo" ]; then
            while read -r w1 w2 w3 w4 w5; do
                [ "$w3" = MemTotal: ] && t="$w4 $w5" && break
            done < "$D/meminfo"
        fi
        if [ -n "$t" ]; then echo "MemTotal: $t"; else note "absent $D/meminfo MemTotal"; fi
        kv distance "$D/distance"
        for a in "$D"/access[0-9]*; do
            [ -d "$a" ] || continue
            an=${a##*/}
            nodes_in "$a/initiators"
            echo "$an.initiators: $v"
            nodes_in "$a/targets"
            echo "$an.targets: $v"
            for v in read_latency write_latency read_bandwidth write_bandwidth; do
                [ -e "$a/initiators/$v" ] && kv "$an.$v" "$a/initiators/$v"
            done
        done
        for c in "$D"/memory_side_cache/index[0-9]*; do
            [ -d "$c" ] || continue
            line="memory_side_cache.${c##*/}:"
            for f in size line_size indexing write_policy; do
                rd "$c/$f" && line="$line $f=$v"
            done
            echo "$line"
        done
    done
else
    note "absent $N"
fi

sec dax
if [ -d /sys/bus/dax/devices ]; then
    for D in /sys/bus/dax/devices/*; do
        [ -e "$D" ] || continue
        drv=$(readlink "$D/driver" 2>/dev/null)
        drv=${drv##*/}
        line=${D##*/}
        for f in size target_node numa_node resource; do
            rd "$D/$f"
            line="$line $f=$v"
        done
        echo "$line driver=$drv"
    done
else
    note "absent /sys/bus/dax/devices"
fi
for h in /sys/bus/platform/devices/hmem.*; do
    [ -e "$h" ] && echo "hmem: ${h##*/}"
done

sec pci
if [ -d /sys/bus/pci/devices ]; then
    for D in /sys/bus/pci/devices/*; do
        [ -e "$D" ] || continue
        rd "$D/vendor"; ven=$v
        rd "$D/device"; dev=$v
        rd "$D/class"; cls=$v
        rd "$D/numa_node"
        echo "${D##*/} $ven:$dev class=$cls numa_node=$v"
    done
else
    note "absent /sys/bus/pci/devices"
fi

for t in SRAT SLIT HMAT; do
    sec "acpi.$t"
    blob "/sys/firmware/acpi/tables/$t"
done

sec end
rd /proc/uptime && echo "uptime: $v"
echo "=====TOPOC-DUMP-END====="
