//! The QEMU command line: the topology's part of it, in three forms (an
//! args file with one argument per line, a shell-quoted line, a JSON array),
//! plus the guest kernel arguments the `kernel-memmap` SPM dialect needs.
//!
//! Only what the topology needs is emitted: no HMAT switch without HMAT data,
//! no `slots`/`maxmem` without device memory, no `-numa dist` without a SLIT.

use crate::kinds::{HostPolicy, QemuMachine};
use crate::layout::qemu::{NodeRam, PciPlacement, QemuLayout};
use crate::layout::virt::VirtLayout;
use crate::model::derive::Derived;
use crate::model::{DeviceSource, Topology};
use crate::pipeline::Compiled;
use crate::target::QemuProfile;
use crate::units::{fmt_cpulist, fmt_qemu_size, ranges};

/// The QEMU binary the shell line starts with, on x86_64.
pub const QEMU_BINARY: &str = "qemu-system-x86_64";
/// The QEMU binary of the aarch64 `virt` machine.
pub const QEMU_BINARY_AARCH64: &str = "qemu-system-aarch64";

/// The QEMU binary for a guest architecture.
pub fn binary(arch: crate::kinds::Arch) -> &'static str {
    match arch {
        crate::kinds::Arch::X86_64 => QEMU_BINARY,
        crate::kinds::Arch::Aarch64 => QEMU_BINARY_AARCH64,
    }
}

/// A value inside a QEMU option (`-object`, `-device`, `-numa`, `-machine`,
/// `-m`, `-smp`): QEMU's option parsers (`keyval_parse` for `-object`,
/// `QemuOpts` for the others) end a value at a comma unless it is doubled,
/// and read nothing else in a value specially. Every value that comes from
/// the input goes through here. (`-cpu` is the exception: its whole
/// argument is `cpu-model`, model and features, which QEMU splits on every
/// comma with no escape at all; it is passed as the user wrote it.)
pub fn qemu_value(s: &str) -> String {
    s.replace(',', ",,")
}

fn backend_id(node_id: u32) -> String {
    crate::layout::qemu::memory_backend_id(node_id)
}

/// One `-object memory-backend-*` for a node's memory of `size` bytes.
fn backend(t: &Topology, node: usize, id: &str, size: u64) -> String {
    let Some(m) = &t.nodes[node].memory else {
        return String::new();
    };
    let b = &m.backend;
    let mut s = match (&b.path, &b.hugepages) {
        (Some(path), _) => format!(
            "memory-backend-file,id={id},size={},mem-path={}",
            fmt_qemu_size(size),
            qemu_value(path)
        ),
        (None, Some(hp)) => {
            let mut s = format!(
                "memory-backend-memfd,id={id},size={},hugetlb=on",
                fmt_qemu_size(size)
            );
            if let Some(n) = hp {
                s.push_str(&format!(",hugetlbsize={}", fmt_qemu_size(*n)));
            }
            s
        }
        (None, None) => format!("memory-backend-ram,id={id},size={}", fmt_qemu_size(size)),
    };
    // memfd shares by default; say so only where it differs.
    let memfd = b.path.is_none() && b.hugepages.is_some();
    if b.shared && !memfd {
        s.push_str(",share=on");
    }
    if !b.shared && memfd {
        s.push_str(",share=off");
    }
    if b.prealloc {
        s.push_str(",prealloc=on");
    }
    if !b.reserve {
        s.push_str(",reserve=off");
    }
    if !b.host_nodes.is_empty() {
        for (a, z) in ranges(&b.host_nodes) {
            if a == z {
                s.push_str(&format!(",host-nodes={a}"));
            } else {
                s.push_str(&format!(",host-nodes={a}-{z}"));
            }
        }
    }
    if let Some(p) = b
        .policy
        .filter(|p| *p != HostPolicy::Default || !b.host_nodes.is_empty())
    {
        s.push_str(&format!(",policy={p}"));
    }
    s
}

/// The topology's QEMU arguments, one element per argument.
pub fn args(c: &Compiled) -> Vec<String> {
    if let Some((p, l)) = c.virt() {
        return virt_args_of(&c.topo, &c.derived, p, l);
    }
    match c.qemu() {
        Some((p, l, _)) => args_of(&c.topo, &c.derived, p, l),
        None => Vec::new(),
    }
}

/// [`args`] from the parts, for the check stage, which measures the line
/// before there is a compiled topology (T119).
pub fn args_of(t: &Topology, derived: &Derived, p: &QemuProfile, l: &QemuLayout) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |flag: &str, val: String| {
        a.push(flag.to_string());
        a.push(val);
    };
    let mut machine = p.machine.value.to_string();
    if derived.hmat.is_some() {
        machine.push_str(",hmat=on");
    }
    if let Some(m) = &p.max_ram_below_4g {
        machine.push_str(&format!(",max-ram-below-4g={}", fmt_qemu_size(m.value)));
    }
    push("-machine", machine);
    if let Some(s) = &p.mmio64_size {
        let host = match p.machine.value {
            QemuMachine::Pc => "i440FX-pcihost",
            QemuMachine::Q35 | QemuMachine::Virt => "q35-pcihost",
        };
        push(
            "-global",
            format!("{host}.pci-hole64-size={}", fmt_qemu_size(s.value)),
        );
    }
    push("-cpu", p.cpu_model.value.clone());
    let mut mem = fmt_qemu_size(l.ram_size);
    if l.maxmem > l.ram_size {
        if l.slots > 0 {
            mem.push_str(&format!(",slots={}", l.slots));
        }
        mem.push_str(&format!(",maxmem={}", fmt_qemu_size(l.maxmem)));
    }
    push("-m", mem);
    let topo = &t.machine.topology;
    let mut smp = format!(
        "{},sockets={}",
        t.machine.boot_cpus.value, topo.sockets.value
    );
    if topo.dies.value > 1 {
        smp.push_str(&format!(",dies={}", topo.dies.value));
    }
    smp.push_str(&format!(
        ",cores={},threads={},maxcpus={}",
        topo.cores.value,
        topo.threads.value,
        topo.max_cpus()
    ));
    push("-smp", smp);

    let bus = match p.machine.value {
        QemuMachine::Pc => "pci.0",
        QemuMachine::Q35 | QemuMachine::Virt => "pcie.0",
    };
    topology_args(
        &mut a,
        t,
        derived,
        &l.nodes,
        (&l.pci, &l.bridges),
        (p.machine.value, bus),
    );
    let mut push = |flag: &str, val: String| {
        a.push(flag.to_string());
        a.push(val);
    };
    for s in &l.sp_mem {
        push(
            "-object",
            backend(
                t,
                s.node,
                &crate::layout::qemu::sp_mem_backend_id(s.node_id),
                s.region.size,
            ),
        );
        push(
            "-device",
            format!(
                "sp-mem,id=sp-mem{},memdev={},node={}",
                s.node_id,
                crate::layout::qemu::sp_mem_backend_id(s.node_id),
                s.node_id
            ),
        );
    }
    a
}

/// The part of the command line both QEMU machines share: node memory
/// backends, `-numa node`/`dist`/`hmat-lb`/`hmat-cache`, the devices on the
/// root bus `bus` or behind their nodes' host bridges, and their Generic
/// Initiators.
fn topology_args(
    a: &mut Vec<String>,
    t: &Topology,
    derived: &Derived,
    nodes: &[NodeRam],
    (pci, bridges): (&[PciPlacement], &[crate::layout::qemu::HostBridge]),
    (machine, bus): (QemuMachine, &str),
) {
    let mut push = |flag: &str, val: String| {
        a.push(flag.to_string());
        a.push(val);
    };
    for nr in nodes {
        push(
            "-object",
            backend(t, nr.node, &backend_id(nr.node_id), nr.size),
        );
    }
    for (ix, n) in t.nodes.iter().enumerate() {
        let mut s = format!("node,nodeid={}", n.id.value);
        for (lo, hi) in ranges(&n.cpus) {
            if lo == hi {
                s.push_str(&format!(",cpus={lo}"));
            } else {
                s.push_str(&format!(",cpus={lo}-{hi}"));
            }
        }
        if nodes.iter().any(|r| r.node == ix) {
            s.push_str(&format!(",memdev={}", backend_id(n.id.value)));
        }
        // `initiator=` is HMAT data: QEMU takes it only with `hmat=on`.
        if let (Some(i), Some(_)) = (&n.initiator, &derived.hmat) {
            if !n.has_cpus() {
                s.push_str(&format!(",initiator={}", t.nodes[i.value].id.value));
            }
        }
        push("-numa", s);
    }
    if let Some(slit) = &derived.slit {
        let n = slit.matrix.len();
        let symmetric = slit.is_symmetric();
        for i in 0..n {
            for j in 0..n {
                if i == j || (symmetric && j < i) {
                    continue;
                }
                push(
                    "-numa",
                    format!(
                        "dist,src={},dst={},val={}",
                        t.nodes[i].id.value, t.nodes[j].id.value, slit.matrix[i][j]
                    ),
                );
            }
        }
    }
    if let Some(h) = &derived.hmat {
        for (ii, &i) in h.initiators.iter().enumerate() {
            for (ti, &m) in h.targets.iter().enumerate() {
                for table in &h.tables {
                    let Some(v) = table.values[ii][ti] else {
                        continue;
                    };
                    let value = if table.data_type.is_latency() {
                        format!("latency={}", v.value / 1000)
                    } else {
                        format!("bandwidth={}", fmt_qemu_size(v.value))
                    };
                    push(
                        "-numa",
                        format!(
                            "hmat-lb,initiator={},target={},hierarchy=memory,data-type={},{value}",
                            t.nodes[i].id.value,
                            t.nodes[m].id.value,
                            table.data_type.qemu_name()
                        ),
                    );
                }
            }
        }
        for n in &t.nodes {
            let Some(m) = &n.memory else { continue };
            for cache in &m.caches {
                push(
                    "-numa",
                    format!(
                        "hmat-cache,node-id={},size={},level={},associativity={},policy={},line={}",
                        n.id.value,
                        fmt_qemu_size(cache.size.value),
                        cache.level.value,
                        cache.associativity,
                        cache.policy,
                        cache.line
                    ),
                );
            }
        }
    }
    let mut bridges_emitted = vec![false; bridges.len()];
    for pl in pci {
        let d = &t.devices[pl.device];
        let addr = match pl.bridge {
            None => format!("bus={bus},addr={:#x}", pl.slot),
            Some(b) => {
                let br = &bridges[b];
                if !bridges_emitted[b] {
                    bridges_emitted[b] = true;
                    let model = match machine {
                        QemuMachine::Q35 | QemuMachine::Virt => "pxb-pcie",
                        QemuMachine::Pc => "pxb",
                    };
                    push(
                        "-device",
                        format!(
                            "{model},id={},bus_nr={},numa_node={},bus={bus},addr={:#x}",
                            br.id(),
                            br.bus_nr,
                            br.node_id,
                            br.slot
                        ),
                    );
                }
                match machine {
                    QemuMachine::Q35 | QemuMachine::Virt => {
                        let port = crate::layout::qemu::root_port_id(&d.name.value);
                        push(
                            "-device",
                            format!(
                                "pcie-root-port,id={port},bus={},chassis={},slot={},addr={:#x}",
                                br.id(),
                                br.bus_nr,
                                pl.port,
                                pl.port
                            ),
                        );
                        format!("bus={port},addr=0x0")
                    }
                    QemuMachine::Pc => format!("bus={},addr={:#x}", br.id(), pl.port),
                }
            }
        };
        let dev = match &d.source.value {
            DeviceSource::Host(h) => {
                format!("vfio-pci,host={h},id={},{addr}", qemu_value(&d.name.value))
            }
            DeviceSource::Emulated(model) => {
                format!("{model},id={},{addr}", qemu_value(&d.name.value))
            }
        };
        push("-device", dev);
    }
    for d in &t.devices {
        for n in &d.gi_nodes {
            let id = t.nodes[n.value].id.value;
            push(
                "-object",
                format!(
                    "acpi-generic-initiator,id={},pci-dev={},node={id}",
                    qemu_value(&crate::layout::qemu::generic_initiator_id(
                        &d.name.value,
                        id
                    )),
                    qemu_value(&d.name.value)
                ),
            );
        }
    }
}

/// The `virt` machine's arguments: `-machine virt,gic-version=`, the Arm
/// `-cpu`, `-m`, `-smp` with clusters (topoc's dies), then what both
/// machines share. `-numa node,cpus=` maps the vCPUs, as on x86.
pub fn virt_args_of(
    t: &Topology,
    derived: &Derived,
    p: &QemuProfile,
    l: &VirtLayout,
) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |flag: &str, val: String| {
        a.push(flag.to_string());
        a.push(val);
    };
    let mut machine = format!("virt,gic-version={}", p.gic_version.value);
    if derived.hmat.is_some() {
        machine.push_str(",hmat=on");
    }
    if let Some(s) = &p.mmio64_size {
        machine.push_str(&format!(",highmem-mmio-size={}", fmt_qemu_size(s.value)));
    }
    push("-machine", machine);
    push("-cpu", p.cpu_model.value.clone());
    let mut mem = fmt_qemu_size(l.ram_size);
    if l.maxmem > l.ram_size {
        if l.slots > 0 {
            mem.push_str(&format!(",slots={}", l.slots));
        }
        mem.push_str(&format!(",maxmem={}", fmt_qemu_size(l.maxmem)));
    }
    push("-m", mem);
    let topo = &t.machine.topology;
    let mut smp = format!(
        "{},sockets={},clusters={},cores={},threads={}",
        t.machine.boot_cpus.value,
        topo.sockets.value,
        topo.dies.value,
        topo.cores.value,
        topo.threads.value
    );
    if u64::from(t.machine.boot_cpus.value) != topo.max_cpus() {
        smp.push_str(&format!(",maxcpus={}", topo.max_cpus()));
    }
    push("-smp", smp);
    topology_args(
        &mut a,
        t,
        derived,
        &l.nodes,
        (&l.pci, &l.bridges),
        (QemuMachine::Virt, "pcie.0"),
    );
    a
}

/// `iomem.guest.txt`: on `virt`, the top level of the guest's `/proc/iomem`
/// as the layout decides it ([`crate::layout::virt::IomemView`]), which
/// `topoc verify` compares (`virt.iomem`). Empty for other machines.
pub fn iomem_guest(c: &Compiled) -> String {
    let Some((p, l)) = c.virt() else {
        return String::new();
    };
    let mut s = String::from(
        "# The top level of the guest's /proc/iomem on aarch64 virt, as predicted.\n\
         # System RAM carries reserved islands (edk2's own regions) that vary; the\n\
         # PCI windows are shared among the host bridges as the firmware chooses.\n\
         # Only these unions are predicted; `topoc verify` compares them (virt.iomem).\n",
    );
    for line in crate::layout::virt::IomemView::of(l, p).lines() {
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// The args file: one argument per line.
pub fn args_file(c: &Compiled) -> String {
    let mut s = args(c).join("\n");
    s.push('\n');
    s
}

/// Quotes a word for POSIX sh when it needs it.
pub fn shell_quote(w: &str) -> String {
    let safe = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=,.:/+@%".contains(c));
    if safe {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The command line as one shell-quoted line, starting with the binary.
pub fn shell_line(c: &Compiled) -> String {
    let mut words = vec![binary(c.topo.machine.arch.value).to_string()];
    words.extend(args(c).iter().map(|w| shell_quote(w)));
    let mut s = words.join(" ");
    s.push('\n');
    s
}

/// The arguments as a JSON array of strings.
pub fn json_args(c: &Compiled) -> String {
    let mut s = serde_json::to_string_pretty(&args(c)).unwrap_or_default();
    s.push('\n');
    s
}

/// Guest kernel arguments (the `kernel-memmap` SPM dialect), space-separated.
pub fn kernel_cmdline(c: &Compiled) -> String {
    let Some((_, l, _)) = c.qemu() else {
        return String::new();
    };
    let mut s = l.kernel_args.join(" ");
    s.push('\n');
    s
}

/// The CPU list of a node the way QEMU's `cpus=` takes it, for docs.
pub fn qemu_cpus(cpus: &[u32]) -> String {
    fmt_cpulist(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(
            shell_quote("node,nodeid=0,cpus=0-1"),
            "node,nodeid=0,cpus=0-1"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn option_values() {
        assert_eq!(qemu_value("/dev/dax0.0"), "/dev/dax0.0");
        assert_eq!(qemu_value("/tmp/a,share=on"), "/tmp/a,,share=on");
        assert_eq!(qemu_value(",,"), ",,,,");
    }
}
